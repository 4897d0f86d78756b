"""Issue 15: an erasure is one unit of work in tiering, notification and ingestion too.

They used to seal a person in a chain of separate writes (the snapshot, then the
tiers, then the history; the tombstone, then the reminder clocks, then the
messages; a record's events, rejects, parked bodies, then the record): a failure
partway left the person half sealed until a redelivery, and readers in between saw
it so. A failure injected into the last write must now leave
every collection as it was, and the erasure run again must seal everything.
Real database (each service's test server), scratch databases shaped as in
test_erasure_cost.py.
"""
from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Callable

import pytest
from pymongo import MongoClient
from pymongo.database import Database

from common.events import Outbox
from common.parked import ParkedMessages
from contracts import names
from contracts.examples import EVENTS
from contracts.schemas import load_event
from ingestion.erasure import seal_erased
from ingestion.storage import IngestionStore
from notification import erasure as notification_erasure
from notification.followup_store import FollowUpStore
from notification.storage import NotificationStore
from tiering import erasure as tiering_erasure
from tiering.storage import TieringStore

from .hot_path import no_dispatch, now
from .test_erasure_cost import notification_erasure_case, tiering_erasure_case
from .test_hot_path_cost import ingestion_erasure_seal

pytestmark = pytest.mark.integration


class Injected(RuntimeError):
    """The failure of the erasure's last write."""


class TieringFailingLast(TieringStore):
    def seal_history(self, customer_ids, session=None):
        raise Injected("history")


class NotificationFailingLast(NotificationStore):
    def seal_messages(self, subject_ids, session=None):
        raise Injected("messages")


class IngestionFailingLast(IngestionStore):
    def replace_record(self, sealed, version, session=None):
        raise Injected("record")


def everything(db: Database) -> dict[str, list[dict]]:
    return {name: sorted(db[name].find(), key=lambda d: str(d["_id"]))
            for name in sorted(db.list_collection_names())}


def fails_then_seals(stack, service: str, build: Callable, fill_count: int,
                     failing: Callable[[Database], None], n: int) -> None:
    """On a scratch database of the service filled by the cost case `build`: an erasure
    whose last write fails (`failing`) leaves every collection as it was; the case's
    own erasure of customer `n` then seals everything (it asserts what it sealed)."""
    client = MongoClient(stack.mongo_uri(service), tz_aware=True)
    db = client[f"scratch_atomic_{service}_{uuid.uuid4().hex[:6]}"]
    try:
        fill, seal = build(db)
        fill(fill_count)
        before = everything(db)
        with pytest.raises(Injected):
            failing(db)
        assert everything(db) == before
        seal(n)
    finally:
        client.drop_database(db.name)
        client.close()


def erased_event(customer_id: str) -> dict:
    return load_event(names.CUSTOMER_ERASED, {
        **EVENTS[names.CUSTOMER_ERASED], "event_id": str(uuid.uuid4()),
        "customer_id": customer_id, "absorbed_ids": [], "record_ids": [f"rec:{customer_id}"],
        "erased_at": now().isoformat()})


def test_a_tiering_erasure_failing_partway_writes_nothing(stack):
    """No snapshot sealed, no tier gone, no removal event."""
    fails_then_seals(stack, "tiering", tiering_erasure_case, 5, lambda db: tiering_erasure.erase(
        TieringFailingLast(db), Outbox(db["outbox"], no_dispatch, "atomic-test"),
        erased_event("c1"), ["c1"], now()), 1)


def test_a_notification_erasure_failing_partway_writes_nothing(stack):
    """No tombstone, the reminder clock running, notes and texts kept."""
    fails_then_seals(stack, "notification", notification_erasure_case, 5,
                     lambda db: notification_erasure.erase(
                         NotificationFailingLast(db), FollowUpStore(db), ["c1"],
                         ["c1", "rec:c1"], now()), 1)


def test_an_ingestion_seal_failing_partway_writes_nothing(stack):
    """The record's reject, events and parked bodies unsealed, as the record is."""
    fails_then_seals(stack, "ingestion", ingestion_erasure_seal, 20, lambda db: seal_erased(
        SimpleNamespace(store=IngestionFailingLast(db), parked=ParkedMessages(db["parked"]),
                        events=Outbox(db["outbox"], no_dispatch, "atomic-test")),
        {"customer_id": "c0", "record_ids": ["bulk:x0"], "erased_at": now().isoformat()}), 0)

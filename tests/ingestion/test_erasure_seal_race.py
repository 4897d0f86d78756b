"""An erasure's seal and an intake of the same record, interleaved on the real database:
the intake stores version 2 (and stages its `customer.ingested`) after the erasure read
version 1. The seal must not write version 1's sealed copy over version 2, and must seal
version 2's outbox row, which would otherwise go out with the person's data."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from pymongo import MongoClient

from common.events import Outbox
from common.reliability import ParkedMessages
from contracts import names
from ingestion.erasure import seal_erased
from ingestion.storage import IngestionStore

from tests.ops.outbox_rows import stored_event

pytestmark = pytest.mark.integration

RECORD = {"source": "crm", "external_id": "x-1", "record_id": "crm:x-1", "has_contact": True}


class IntakeBetweenReadAndSeal(IngestionStore):
    """The store as the erasure sees it, with an intake committing version 2 right
    after the erasure's first read of the record."""

    def __init__(self, db, intake):
        super().__init__(db)
        self.intake, self.reads = intake, 0

    def records_named(self, record_ids: list[str]) -> list[dict]:
        rows = super().records_named(record_ids)
        self.reads += 1
        if self.reads == 1:
            self.intake()
        return rows


@pytest.fixture
def scratch(stack):
    client = MongoClient(stack.env["MONGO_URI"], tz_aware=True)
    client.drop_database("crm_scratch_seal_race")
    yield client["crm_scratch_seal_race"]
    client.drop_database("crm_scratch_seal_race")
    client.close()


def ingested(outbox: Outbox, version: int, name: str) -> str:
    body = outbox.stage(names.CUSTOMER_INGESTED, {**RECORD, "name": name},
                        cause_id=f"crm:x-1#{version}", key="crm:x-1")
    outbox.persist()
    return body["event_id"]


def test_a_record_stored_again_while_sealed_is_sealed_at_its_new_version(scratch):
    outbox = Outbox(scratch["outbox"], lambda t, b: None)
    first = ingested(outbox, 1, "王芳")
    scratch["records"].insert_one({**RECORD, "_id": "r1", "version": 1, "name": "王芳"})
    later = []

    def intake() -> None:
        scratch["records"].update_one({"_id": "r1", "version": 1},
                                      {"$set": {"version": 2, "name": "王芳芳"}})
        later.append(ingested(outbox, 2, "王芳芳"))

    store = IntakeBetweenReadAndSeal(scratch, intake)
    service = SimpleNamespace(store=store, events=outbox,
                              parked=ParkedMessages(scratch["parked"]))
    counts = seal_erased(service, {"customer_id": "c1", "record_ids": ["crm:x-1"],
                                   "erased_at": "2026-12-01T00:00:00+00:00"})
    record = scratch["records"].find_one({"_id": "r1"})
    assert store.reads == 2 and counts["records"] == 1
    assert record["erased"] is True and record["version"] == 2 and "name" not in record
    for event_id in (first, later[0]):
        body, pending = stored_event(scratch["outbox"], event_id)
        assert body.get("erased") is True and "name" not in body and pending is False

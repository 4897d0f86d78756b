"""The outbox and the parked store seal their own rows (issue 18 point 5), against the
real database: only the rows asked for change, a row not yet published is cancelled
(marked sent), and sealing again writes nothing."""
from __future__ import annotations

import pytest

from common.events import Outbox
from common.reliability import ParkedMessages

from .outbox_rows import stored_event

pytestmark = pytest.mark.integration


def staged(outbox: Outbox, customer_ids: list[str]) -> list[str]:
    ids = [outbox.stage("customer.erased", {"customer_id": cid, "requested_by": "t",
                                            "erased_at": "2026-12-01T00:00:00+00:00"},
                        cause_id=f"cause-{cid}", key=cid)["event_id"] for cid in customer_ids]
    outbox.persist()
    return ids


def body_of(collection, event_id: str) -> dict:
    return stored_event(collection, event_id)[0]


def test_outbox_seal_events_rewrites_and_cancels_only_the_events_asked_for(outbox_collection):
    outbox = Outbox(outbox_collection, lambda t, b: None)
    gone, kept = staged(outbox, ["gone", "kept"])

    def seal(body: dict) -> dict:
        return {"event_id": body["event_id"], "erased": True}

    assert outbox.seal_events(seal, event_ids=[gone]) == 1
    assert stored_event(outbox_collection, gone) == ({"event_id": gone, "erased": True}, False)
    body, pending = stored_event(outbox_collection, kept)
    assert pending is True and body["customer_id"] == "kept"
    assert outbox.seal_events(seal, event_ids=[gone]) == 0  # sealed already
    assert outbox.seal_events(seal, customer_ids=["kept"], types=["tier.changed"]) == 0
    assert outbox.seal_events(seal, customer_ids=["kept"], types=["customer.erased"]) == 1
    assert stored_event(outbox_collection, kept) == ({"event_id": kept, "erased": True}, False)
    assert outbox_collection.count_documents({"sent": False}) == 0  # the pass is done


def test_outbox_seal_about_overwrites_fields_of_the_customers_events(outbox_collection):
    outbox = Outbox(outbox_collection, lambda t, b: None)
    gone, kept = staged(outbox, ["gone", "kept"])
    assert outbox.seal_about(["gone"], {"requested_by": "", "display": {}}) == 1
    assert body_of(outbox_collection, gone)["requested_by"] == ""
    assert body_of(outbox_collection, gone)["display"] == {}
    assert body_of(outbox_collection, kept)["requested_by"] == "t"
    assert outbox.seal_about(["gone"], {"requested_by": "", "display": {}}) == 0
    assert outbox.seal_about([], {"requested_by": ""}) == 0


def test_parked_seal_payloads_writes_only_the_payloads_it_changes(outbox_collection):
    parked = ParkedMessages(outbox_collection.database["parked"])
    parked.ensure_indexes()
    parked.park("on_intake", {"event_id": "e1", "source": "s", "items": ["gone", "kept"]}, "x")
    parked.park("on_intake", {"event_id": "e2", "source": "s", "items": ["kept"]}, "x")

    def seal(payload: dict) -> dict:
        return {**payload, "items": [i for i in payload["items"] if i != "gone"]}

    assert parked.seal_payloads({"payload.source": "s"}, seal) == 1
    payloads = {r["payload"]["event_id"]: r["payload"]["items"]
                for r in parked.collection.find()}
    assert payloads == {"e1": ["kept"], "e2": ["kept"]}
    assert parked.seal_payloads({"payload.source": "s"}, seal) == 0


def test_parked_rows_are_found_by_the_customers_they_name_even_rows_parked_before(
        outbox_collection):
    """`seal_about` reads the `about` index only; rows parked before every row named
    its customers are named when the service starts (ensure_indexes)."""
    collection = outbox_collection.database["parked"]
    collection.insert_many([  # parked by an older version: no `about`
        {"key": "on_tier|old1", "entrypoint": "on_tier", "replayed": False,
         "payload": {"event_id": "old1", "customer_id": "gone", "name": "王*"}},
        {"key": "on_x|old2", "entrypoint": "on_x", "replayed": False,
         "payload": {"event_id": "old2", "customer": {"customer_id": "gone"}}},
        {"key": "on_x|old3", "entrypoint": "on_x", "replayed": False, "payload": [1, 2]}])
    parked = ParkedMessages(collection)
    parked.ensure_indexes()
    parked.park("on_tier", {"event_id": "new1", "customer_id": "gone"}, "bug")
    parked.park("on_tier", {"event_id": "new2", "customer_id": "kept"}, "bug")
    assert parked.seal_about(["gone"]) == 3
    sealed = {r["key"] for r in collection.find({"payload": {"erased": True}})}
    assert sealed == {"on_tier|old1", "on_x|old2", "on_tier|new1"}
    assert parked.seal_about(["gone"]) == 0 and collection.count_documents({"about": []}) == 1

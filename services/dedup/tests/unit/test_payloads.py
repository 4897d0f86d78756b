"""customer.registered / updated / merged are built once (domain/snapshot.py) and meet
their contract; the money they carry is the contract's exact decimal string."""
from __future__ import annotations

import pytest

from contracts import names
from contracts.schemas import build_event, load_event
from dedup.domain.clusters import build_golden, merge_goldens
from dedup.domain.snapshot import changed_payload, merged_payload


def rec(rid: str, assets: str | None = "1234567.89", **kw) -> dict:
    source, external_id = rid.split(":")
    return {"record_id": rid, "source": source, "external_id": external_id,
            "kind": "person", "name": "张三", "branch": "BR1", "registered_by": "u1",
            "registered_at": "2024-01-01T00:00:00", "has_contact": True,
            "financials": {"avg_daily_assets": assets, "has_relationship": None},
            "display": {"name": "张*"}, **kw}


@pytest.mark.parametrize("event_type", [names.CUSTOMER_REGISTERED, names.CUSTOMER_UPDATED])
def test_changed_payload_meets_its_contract(event_type):
    golden = build_golden("C1", [rec("s:1")])
    event = load_event(event_type, build_event(event_type, changed_payload(golden, 2, "s:1")))
    assert event["record_id"] == "s:1" and event["customer"]["customer_id"] == "C1"
    assert event["customer"]["revision"] == 2 and event["customer"]["branch"] == "BR1"
    assert event["customer"]["financials"]["avg_daily_assets"] == "1234567.89"
    assert event["customer"]["financials"]["has_relationship"] is None  # not invented


def test_merged_payload_names_the_survivor_and_what_it_absorbed():
    survivor = {**build_golden("C1", [rec("s:1")]), "_id": "C1", "revision": 1}
    absorbed = {**build_golden("C2", [rec("s:2", registered_at="2025-01-01T00:00:00")]),
                "_id": "C2", "revision": 1}
    golden = merge_goldens(survivor, absorbed)
    payload = merged_payload(golden, 2, None, ("C2",))
    event = load_event(names.CUSTOMER_MERGED, build_event(names.CUSTOMER_MERGED, payload))
    assert (event["survivor_id"], event["absorbed_ids"]) == ("C1", ["C2"])
    assert event["customer"]["member_count"] == 2 and event["record_id"] is None

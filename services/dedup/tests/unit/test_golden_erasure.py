"""domain/erasure.py: what an erasure keeps of a golden customer and its copies."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from contracts import names
from contracts.schemas import build_event, load_event
from dedup.domain.clusters import build_golden, merge_goldens
from dedup.domain.erasure import (
    UnknownCustomer, erasure_of, follow_merges, result_of, seal_event_body, seal_golden,
)
from dedup.domain.snapshot import golden_keys, public_view

NOW = datetime(2025, 6, 1, 9, 0, tzinfo=timezone.utc)
PERSONAL = ("张三", "Zhang", "1985-03-07", "nidbi", "phonebi", "emailbi", "addrbi", "100000",
            "朝阳", "北京", "张*", "138****8000", "u1", "2024-01-01", "88000", "high")


def rec(rid: str, **kw) -> dict:
    source, external_id = rid.split(":")
    base = {"record_id": rid, "source": source, "external_id": external_id, "kind": "person",
            "name": "张三", "birth_date": "1985-03-07", "gender": "male",
            "national_id_bi": "nidbi", "phone_bis": ["phonebi"], "email_bis": ["emailbi"],
            "address_bi": "addrbi", "postcode": "100000", "city": "北京", "district": "朝阳",
            "branch": "BR1", "registered_by": "u1", "registered_at": "2024-01-01T00:00:00",
            "financials": {"avg_daily_assets": 88000.0}, "intent": {"willingness": "high"},
            "has_contact": True, "display": {"name": "张*", "phone": "138****8000"},
            "quality": [{"field": "phones", "issue": "invalid"}]}
    base.update(kw)
    return base


def stored(golden: dict, revision: int = 3) -> dict:
    """The golden as DedupStore keeps it."""
    return {**golden, "_id": golden["customer_id"], "keys": golden_keys(golden),
            "revision": revision, "active": True, "updated_at": NOW}


def merged_pair() -> dict:
    survivor = build_golden("C1", [rec("core:1")])
    absorbed = build_golden("C2", [rec("web:2", name="Zhang San")])
    return stored(merge_goldens(survivor, absorbed))


def assert_nothing_personal(doc: dict) -> None:
    text = json.dumps(doc, ensure_ascii=False, default=str)
    leaks = [p for p in PERSONAL if p in text]
    assert not leaks, f"personal data left: {leaks} in {text}"


def test_erasure_names_the_golden_its_merged_ids_and_member_records():
    erasure = erasure_of(merged_pair(), "dpo-1", "customer request", NOW)
    assert erasure == {"customer_id": "C1", "absorbed_ids": ["C2"],
                       "record_ids": ["core:1", "web:2"], "requested_by": "dpo-1",
                       "reason": "customer request", "erased_at": NOW.isoformat()}
    # it is exactly the customer.erased payload
    body = build_event(names.CUSTOMER_ERASED, erasure)
    assert load_event(names.CUSTOMER_ERASED, body)["record_ids"] == ["core:1", "web:2"]


def test_sealed_golden_keeps_ids_and_history_only():
    doc = merged_pair()
    assert doc["keys"] and doc["names"]
    erasure = erasure_of(doc, "dpo-1", "", NOW)
    sealed = seal_golden(doc, erasure)
    assert_nothing_personal(sealed)
    assert sealed["_id"] == sealed["customer_id"] == "C1"
    assert sealed["members"] == ["core:1", "web:2"] and sealed["merged_ids"] == ["C2"]
    assert sealed["member_records"] == [
        {"record_id": "core:1", "source": "core", "external_id": "1"},
        {"record_id": "web:2", "source": "web", "external_id": "2"}]
    assert sealed["keys"] == [] and sealed["active"] is False and sealed["status"] == "erased"
    assert sealed["revision"] == 4 and sealed["updated_at"] == NOW
    assert sealed["erased"] is True and sealed["erased_at"] == NOW.isoformat()
    assert sealed["erasure"] == erasure
    for gone in ("names", "birth_dates", "national_id_bis", "phone_bis", "email_bis",
                 "postcodes", "address_bis", "name", "birth_date", "owner", "financials",
                 "intent", "branch", "city", "sources"):
        assert gone not in sealed
    assert doc["names"]  # the input is not mutated


def test_sealing_a_sealed_golden_keeps_the_first_erasure():
    doc = merged_pair()
    first = seal_golden(doc, erasure_of(doc, "dpo-1", "first", NOW))
    again = seal_golden(first, erasure_of(first, "dpo-2", "second", datetime.now(timezone.utc)))
    assert again["erasure"] == first["erasure"] and again["erased_at"] == first["erased_at"]


def test_absorbed_golden_is_sealed_and_still_points_to_its_survivor():
    absorbed = {**stored(build_golden("C2", [rec("web:2")])), "active": False,
                "merged_into": "C1", "keys": []}
    erasure = erasure_of(merged_pair(), "dpo-1", "", NOW)
    sealed = seal_golden(absorbed, erasure)
    assert_nothing_personal(sealed)
    assert sealed["merged_into"] == "C1" and sealed["erasure"]["customer_id"] == "C1"


def test_sealed_event_bodies_keep_ids_and_still_meet_their_contract():
    doc = merged_pair()
    registered = build_event(names.CUSTOMER_REGISTERED,
                             {"customer": public_view(doc, 3), "record_id": "core:1"})
    merged = build_event(names.CUSTOMER_MERGED, {
        "customer": public_view(doc, 4), "record_id": "web:2", "survivor_id": "C1",
        "absorbed_ids": ["C2"]})
    ingested = build_event(names.CUSTOMER_INGESTED, rec("core:1"))
    for event_type, body in ((names.CUSTOMER_REGISTERED, registered),
                             (names.CUSTOMER_MERGED, merged),
                             (names.CUSTOMER_INGESTED, ingested)):
        sealed = seal_event_body(body)
        assert_nothing_personal(sealed)
        loaded = load_event(event_type, sealed)
        assert loaded["event_id"] == body["event_id"] and sealed["erased"] is True
    assert seal_event_body(merged)["customer"] == {"customer_id": "C1", "member_count": 2,
                                                   "revision": 4}
    assert seal_event_body(merged)["absorbed_ids"] == ["C2"]


def test_follow_merges_leads_to_the_golden_holding_the_person_now():
    docs = {"C1": {"_id": "C1"}, "C2": {"_id": "C2", "merged_into": "C3"},
            "C3": {"_id": "C3", "merged_into": "C1"}}
    assert follow_merges(docs["C2"], docs.get)["_id"] == "C1"
    assert follow_merges(docs["C1"], docs.get) is docs["C1"]


@pytest.mark.parametrize("docs", [
    {"C2": {"_id": "C2", "merged_into": "C9"}},                       # survivor missing
    {"C2": {"_id": "C2", "merged_into": "C3"}, "C3": {"_id": "C3", "merged_into": "C2"}},
])
def test_follow_merges_refuses_broken_chains(docs):
    with pytest.raises(UnknownCustomer):
        follow_merges(docs["C2"], docs.get)


def test_unknown_customer_is_a_value_error_and_results_repeat():
    assert issubclass(UnknownCustomer, ValueError)
    erasure = erasure_of(merged_pair(), "dpo-1", "", NOW)
    result = result_of(erasure, "ev-1")
    assert result["records_sealed"] == 2 and result["event_id"] == "ev-1"
    assert result == result_of(dict(erasure), "ev-1")

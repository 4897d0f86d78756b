"""What tiering keeps after an erasure (tiering.domain.erasure); no I/O."""
from __future__ import annotations

from datetime import datetime, timezone

from contracts import names
from contracts.schemas import build_event

from tiering.domain import erasure

T0 = datetime(2026, 11, 15, 8, 0, tzinfo=timezone.utc)
SNAPSHOT = {
    "_id": "C1", "customer_id": "C1", "kind": "person", "branch": "BJ001", "revision": 4,
    "member_count": 2, "active": True, "birth_date": "1980-01-01", "has_contact": True,
    "financials": {"avg_daily_assets": 1234567.0, "card_level": "gold"},
    "intent": {"willingness": "high", "potential": "high"},
    "owner": {"registered_by": "E7", "source": "crm", "external_id": "X-1"},
    "display": {"name": "张*", "phone": "138****8000"},
    "address": {"line1": "长安街1号"}, "name": "张三丰", "phones": ["13812348000"],
}
TIER = {"_id": "C1:star", "customer_id": "C1", "scheme": "star", "tier": "4",
        "reason": "avg daily assets 1234567.00 >= 1000000", "rules_version": "2026-11-01+a",
        "figures": {"avg_daily_assets": "1234567.00"}, "below_count": 0, "branch": "BJ001"}


def test_person_ids_are_the_golden_id_then_absorbed_once_each():
    assert erasure.person_ids("C1", ["C2", "C1", "C3", "C2", ""]) == ["C1", "C2", "C3"]
    assert erasure.person_ids("C1") == ["C1"]


def test_sealed_snapshot_keeps_only_non_personal_fields():
    sealed = erasure.sealed_snapshot("C1", SNAPSHOT, T0)
    assert sealed == {"_id": "C1", "customer_id": "C1", "kind": "person", "branch": "BJ001",
                      "revision": 4, "member_count": 2, "active": False, "erased": True,
                      "erased_at": T0}
    text = repr(sealed)
    for personal in ("张", "138", "1980", "1234567", "X-1", "E7", "high", "长安街"):
        assert personal not in text


def test_unknown_fields_are_dropped_by_default():
    sealed = erasure.sealed_snapshot("C1", {**SNAPSHOT, "new_personal_field": "x"}, T0)
    assert "new_personal_field" not in sealed


def test_sealed_snapshot_of_an_unknown_customer_is_a_tombstone():
    assert erasure.sealed_snapshot("C9", None, T0) == {
        "_id": "C9", "customer_id": "C9", "active": False, "erased": True, "erased_at": T0}


def test_sealing_again_is_a_no_op_and_keeps_the_first_erasure_time():
    once = erasure.sealed_snapshot("C1", SNAPSHOT, T0)
    later = datetime(2027, 1, 1, tzinfo=timezone.utc)
    assert erasure.sealed_snapshot("C1", once, later) == once


def test_merged_into_survives_so_explain_still_points_at_the_survivor():
    sealed = erasure.sealed_snapshot("C2", {"_id": "C2", "merged_into": "C1"}, T0)
    assert sealed["merged_into"] == "C1"


def test_erased_time_parses_iso_and_falls_back():
    assert erasure.erased_time("2026-11-15T08:00:00+00:00", T0) == T0
    assert erasure.erased_time("2026-11-15T08:00:00Z", T0) == T0
    assert erasure.erased_time("2026-11-15T08:00:00", T0) == T0  # naive: fallback's zone
    assert erasure.erased_time("yesterday", T0) is T0
    assert erasure.erased_time(None, T0) is T0


def test_removal_payload_is_a_valid_tier_changed_without_personal_data():
    payload = erasure.removal_payload(TIER)
    assert payload["direction"] == "removed" and payload["current"] is None
    assert (payload["previous"], payload["reason"], payload["merged_into"]) == ("4", "erased", None)
    assert payload["display"] == {} and payload["registered_by"] is None
    assert "1234567" not in repr(payload)
    body = build_event(names.TIER_CHANGED, payload)  # the contract accepts it
    assert body["rules_version"] == "2026-11-01+a" and body["branch"] == "BJ001"


def test_removal_key_and_history_id_are_derived_per_customer_and_scheme():
    assert erasure.removal_event_key(TIER) == "C1:star:erased"
    row = erasure.removal_history_row(TIER, "EV1", T0)
    assert row["_id"] == "EV1:C1:star:erased"
    assert erasure.removal_history_row(TIER, "EV1", T0)["_id"] == row["_id"]
    assert row["reason"] == "erased" and row["sealed"] is True and "figures" not in row
    assert (row["previous"], row["current"], row["direction"]) == ("4", None, "removed")


def test_sealed_history_fields_drop_the_reason_text_only():
    fields = erasure.sealed_history_fields()
    assert fields == {"reason": erasure.SEALED_TEXT, "sealed": True}
    assert not set(fields) & {"customer_id", "scheme", "previous", "current", "at",
                              "rules_version", "direction", "cause", "branch"}


def test_stored_events_lose_their_display_and_still_meet_the_contract():
    assert erasure.sealed_event_fields() == {"display": {}}
    body = build_event(names.TIER_CHANGED, {**erasure.removal_payload(TIER), "current": "5",
                                            "direction": "up", "display": {"name": "张*"}})
    sealed = {**body, **erasure.sealed_event_fields()}
    assert "张" not in repr(sealed)
    assert build_event(names.TIER_CHANGED, sealed)["display"] == {}

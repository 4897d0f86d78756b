"""The three causes of a `tier.changed` build payloads the contract accepts, and each
carries exactly its cause's fields (a merge names the survivor; an erasure carries no
display data or registrant; a move carries both)."""
from __future__ import annotations

from contracts import names
from contracts.schemas import build_event
from tiering.domain import payloads
from tiering.domain.evaluate import Change

TIER = {"customer_id": "C1", "scheme": "star", "tier": "3", "rules_version": "7", "branch": "B1"}
CUSTOMER = {"branch": "B1", "owner": {"registered_by": "M9"},
            "display": {"name": "张*", "phone": "138****0000"}}


def test_a_move_carries_its_registrant_and_display():
    body = build_event(names.TIER_CHANGED, payloads.moved(
        "C1", CUSTOMER, Change("star", "2", "3", "up", "assets 320000", "7")))
    assert (body["previous"], body["current"], body["direction"]) == ("2", "3", "up")
    assert body["registered_by"] == "M9" and body["display"]["name"] == "张*"
    assert "merged_into" not in body


def test_a_merge_removal_names_the_survivor():
    body = build_event(names.TIER_CHANGED, payloads.merged_away("C2", TIER, "C1"))
    assert body["customer_id"] == "C2" and body["merged_into"] == "C1"
    assert (body["previous"], body["current"], body["direction"]) == ("3", None, "removed")
    assert body["reason"] == "merged into C1"


def test_an_erasure_removal_carries_nothing_personal():
    body = build_event(names.TIER_CHANGED, payloads.erased(TIER, "erased"))
    assert body["display"] == {} and body["registered_by"] is None
    assert body["merged_into"] is None and body["direction"] == "removed"

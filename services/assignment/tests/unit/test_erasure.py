"""What assignment keeps and announces for an erased customer (assignment.domain.erasure)."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from contracts import names
from contracts.schemas import build_event

from assignment.domain import erasure

T0 = datetime(2026, 11, 15, 8, 0, tzinfo=timezone.utc)
CURRENT = {"_id": "C1", "manager_id": "M1", "role": "financial_manager", "branch": "BJ001",
           "tier": "financial", "reason": "new customer in tier financial",
           "registered_by": "E7", "display": {"name": "张*", "phone": "138****8000"},
           "cause_id": "EV0", "previous_manager_id": None}


def test_person_ids_once_each_golden_first():
    assert erasure.person_ids("C1", ["C2", "C1", "", "C2"]) == ["C1", "C2"]


def test_erased_time_falls_back_when_unreadable():
    assert erasure.erased_time("2026-11-15T08:00:00Z", datetime.now(timezone.utc)) == T0
    assert erasure.erased_time("", T0) is T0


def test_release_keeps_only_what_capacity_and_audit_need():
    release = erasure.release_of(CURRENT, "EV1", "CORR")
    assert release == {"manager_id": "M1", "role": "financial_manager", "branch": "BJ001",
                       "tier": "financial", "cause_id": "EV1", "correlation_id": "CORR"}
    assert "张" not in repr(release) and "138" not in repr(release)


def test_no_release_without_a_maintainer():
    assert erasure.release_of(None, "EV1", None) is None
    assert erasure.release_of({"_id": "C1", "manager_id": None}, "EV1", None) is None


def test_assigned_payload_frees_the_customer_and_carries_no_display():
    payload = erasure.assigned_payload("C1", erasure.release_of(CURRENT, "EV1", None))
    assert payload == {"customer_id": "C1", "manager_id": None, "role": None,
                       "previous_manager_id": "M1", "reason": "erased", "branch": "BJ001",
                       "band": "financial", "display": {}}
    assert build_event(names.CUSTOMER_ASSIGNED, payload)["reason"] == "erased"  # contract ok


def test_event_key_and_history_id_are_derived_from_the_release():
    release = erasure.release_of(CURRENT, "EV1", None)
    assert erasure.event_key("C1", release) == "C1:M1:erased"
    row = erasure.history_row("C1", release, T0)
    assert row == {"_id": "erased:C1:EV1:M1", "customer_id": "C1", "reason": "erased",
                   "manager_id": None, "previous_manager_id": "M1", "at": T0}


def test_display_is_the_personal_field_of_stored_rows():
    assert erasure.PERSONAL_FIELDS == ("display",)
    assert not set(erasure.RELEASE_KEEP) & set(erasure.PERSONAL_FIELDS)


def test_only_an_unmerged_removal_with_reason_erased_is_an_erasure():
    removed = {"direction": "removed", "merged_into": None, "reason": "erased"}
    assert erasure.is_erasure_removal(removed)
    assert not erasure.is_erasure_removal({**removed, "merged_into": "C2"})
    assert not erasure.is_erasure_removal({**removed, "reason": "merged into C2"})
    assert not erasure.is_erasure_removal({**removed, "direction": "down"})


def test_seal_ends_the_assignment_with_its_seat_and_keeps_the_first_release():
    from assignment.domain.manager import Manager
    from assignment.domain.unit import Unit
    manager = Manager(id="M1", load=1, capacity=5, role="financial_manager",
                      branch="BJ001", active=True)
    unit = Unit({"C1": CURRENT}, [manager], {"C2": {"_id": "C2", "roles": []}}, set(), T0)
    tombs = erasure.seal(unit, {}, ["C1", "C2"], "EV1", "CORR", T0)
    assert unit.assignments["C1"] is None and unit.managers["M1"].load == 0
    assert unit.backlog["C2"] is None and unit.erased == {"C1", "C2"}
    assert tombs["C1"]["release"]["cause_id"] == "EV1" and "release" not in tombs["C2"]
    again = Unit({}, [replace(manager, load=0)], {}, set(), T0)  # a redelivery, or erased twice
    assert erasure.seal(again, tombs, ["C1"], "EV2", None, T0)["C1"] == tombs["C1"]
    assert again.managers["M1"].load == 0  # the seat is not freed twice

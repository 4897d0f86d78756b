"""What notification keeps of an erased customer (notification.domain.erasure); no I/O."""
from __future__ import annotations

from datetime import datetime, timezone

from notification.domain import erasure, triggers

T0 = datetime(2026, 11, 15, 8, 0, tzinfo=timezone.utc)
ERASED = {"customer_id": "C1", "absorbed_ids": ["C2", "C1"], "record_ids": ["R1", "R2"]}


def test_person_and_subject_ids():
    assert erasure.person_ids("C1", ["C2", "C1", ""]) == ["C1", "C2"]
    assert erasure.subject_ids(ERASED) == ["C1", "C2", "R1", "R2"]
    assert erasure.subject_ids({"customer_id": "C1"}) == ["C1"]


def test_every_message_kind_is_filed_under_the_ids_it_is_about():
    assigned = triggers.for_assigned({"customer_id": "C1", "manager_id": "M2",
                                      "previous_manager_id": "M1"})
    assert [erasure.subjects_of(m.context) for m in assigned] == [["C1"], ["C1"]]
    review = triggers.for_review({"record_id": "R9", "candidate_id": "C1"}, "steward")[0]
    assert erasure.subjects_of(review.context) == ["C1", "R9"]
    reminder = triggers.for_follow_up({"_id": "C1", "intent_class": "A", "manager_id": "M1"})[0]
    assert erasure.subjects_of(reminder.context) == ["C1"]
    assert erasure.subjects_of({}) == []


def test_scrub_drops_display_and_keeps_the_rest():
    event = {"customer_id": "C1", "reason": "erased", "display": {"name": "张*"}}
    assert erasure.scrub(event) == {"customer_id": "C1", "reason": "erased", "display": {}}
    assert event["display"] == {"name": "张*"}  # the input is not changed


def test_pending_and_failed_messages_are_cancelled_sent_ones_are_not():
    assert erasure.CANCELLABLE == ("pending", "failed")
    cancel = erasure.cancel_message()
    assert cancel.set["status"] == erasure.CANCELLED and cancel.set["next_attempt_at"] is None
    assert erasure.CANCELLED not in erasure.CANCELLABLE


def test_message_seal_drops_text_and_error_keeps_ids_channel_status_times():
    seal = erasure.seal_message()
    assert seal.set == {"text": erasure.SEALED_TEXT, "erased": True}
    assert seal.unset == ("error",)
    kept = {"_id", "event_id", "recipient", "channel", "status", "created_at", "sent_at",
            "attempts", "subjects", "subject", "template"}
    assert not kept & (set(seal.set) | set(seal.unset))


def test_prospect_seal_stops_reminders_and_drops_display():
    seal = erasure.seal_prospect(T0)
    assert seal.set == {"due_at": None, "erased": True, "erased_at": T0}
    assert seal.unset == ("display",)
    assert not {"intent_class", "outcome", "manager_id"} & set(seal.set)


def test_followup_seal_drops_the_note_only():
    seal = erasure.seal_followup()
    assert seal.set == {"note": erasure.SEALED_TEXT, "erased": True} and seal.unset == ()


def test_tombstone_marks_erased_with_time():
    assert erasure.tombstone(T0).set == {"erased": True, "erased_at": T0}


def test_erased_time_falls_back_when_unreadable():
    assert erasure.erased_time("2026-11-15T08:00:00+00:00", datetime.now(timezone.utc)) == T0
    assert erasure.erased_time("not a time", T0) is T0

"""domain/erasure.py: erasure requests, and sealing records, rejects and event copies."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from functools import partial

import pytest
from cryptography.fernet import Fernet

from common.pii import Protector
from contracts import names
from contracts.schemas import build_event, load_event
from ingestion.domain.erasure import (
    ERASED_REASON, erasure_request, raw_names, record_keys, seal_event_body,
    seal_parked_payload, seal_record, seal_reject,
)
from ingestion.domain.intake import Accepted, Rejected, accept
from ingestion.plugins.normalizers import BUILTIN_NORMALIZERS, normalize_record, validate_required

NID = "110101199003071233"
PROTECTOR = Protector(Fernet.generate_key().decode(), "unit-test-blind-index-key")
NORMALIZE = partial(normalize_record, normalizers=BUILTIN_NORMALIZERS)
NOW = datetime(2025, 6, 1, 9, 0, tzinfo=timezone.utc)
RAW = {"source": "crm:web", "external_id": "e-1", "name": "王 芳", "national_id": NID,
       "birth_date": "1990-03-07", "phones": ["+86 138 1234 8000", "12"],
       "emails": ["Wang@Example.COM"], "registered_by": "M1",
       "address": {"line1": "朝阳路1号", "city": "北京", "postcode": "100020"},
       "financials": {"avg_daily_assets": "45万"}, "intent": {"willingness": "high"}}
PERSONAL = (NID, "13812348000", "8000", "wang@example.com", "朝阳路", "王芳", "王",
            "1990-03-07", "100020", "北京", "450000", "high")


def accepted() -> Accepted:
    outcome = accept(RAW, NORMALIZE, validate_required, PROTECTOR)
    assert isinstance(outcome, Accepted)
    return outcome


def stored_record() -> dict:
    """The record as ingestion stores it after one update."""
    outcome = accepted()
    return {**outcome.stored, "_id": "oid-1", "record_id": outcome.record_id, "version": 2,
            "created_at": NOW, "updated_at": NOW + timedelta(hours=1),
            "history": [{"replaced_at": NOW + timedelta(hours=1), "name": "王芳"}]}


def assert_nothing_personal(doc: dict) -> None:
    text = json.dumps(doc, ensure_ascii=False, default=str)
    leaks = [p for p in PERSONAL if p in text]
    assert not leaks, f"personal data left: {leaks} in {text}"


# -- upstream requests ------------------------------------------------------------------
def test_request_by_customer_id():
    assert erasure_request({"customer_id": "C1", "requested_by": "dpo-1",
                            "reason": "GDPR art. 17"}) == {
        "customer_id": "C1", "record_id": None, "requested_by": "dpo-1",
        "reason": "GDPR art. 17"}


def test_request_by_source_key_forms_the_record_id_as_intake_does():
    request = erasure_request({"source": RAW["source"], "external_id": RAW["external_id"],
                               "requested_by": "dpo-1", "extra": "ignored"})
    assert request["record_id"] == accepted().record_id == "crm:web:e-1"
    assert request["customer_id"] is None and request["reason"] == ""
    # the payload is what the contract of customer.erasure_requested accepts
    build_event(names.CUSTOMER_ERASURE_REQUESTED, request)


@pytest.mark.parametrize("raw, reason, text", [
    ({"requested_by": "x"}, "invalid_erasure_request", "customer_id, or source and external_id"),
    ({"source": "s", "requested_by": "x"}, "invalid_erasure_request", "source and external_id"),
    ({"customer_id": "C1"}, "invalid_erasure_request", "requested_by"),
    ({"customer_id": "C1", "requested_by": ""}, "invalid_erasure_request", "requested_by"),
    ({"customer_id": 5, "requested_by": "x"}, "invalid_erasure_request", "customer_id"),
    ([{"customer_id": "C1"}], "not_an_object", "JSON object"),
    ("C1", "not_an_object", "JSON object"),
])
def test_bad_requests_are_rejected_with_a_reason(raw, reason, text):
    outcome = erasure_request(raw)
    assert isinstance(outcome, Rejected) and outcome.reason == reason
    assert any(text in e for e in outcome.errors), outcome.errors


def test_record_keys_cover_every_split_of_a_record_id():
    assert record_keys("s:e") == [("s", "e")]
    assert record_keys("crm:web:e-1") == [("crm", "web:e-1"), ("crm:web", "e-1")]
    assert record_keys("no-colon") == [] and record_keys(":e") == [] and record_keys("s:") == []


# -- sealing ----------------------------------------------------------------------------
def test_sealed_record_keeps_ids_version_and_timestamps_only():
    doc = stored_record()
    sealed = seal_record(doc, NOW)
    assert_nothing_personal(sealed)
    assert sealed == {"_id": "oid-1", "source": "crm:web", "external_id": "e-1",
                      "record_id": "crm:web:e-1", "version": 2, "created_at": NOW,
                      "updated_at": NOW + timedelta(hours=1),
                      "history": [{"replaced_at": NOW + timedelta(hours=1)}],
                      "erased": True, "erased_at": NOW}
    for gone in ("pii", "content_hash", "quality", "address", "name", "birth_date",
                 "financials", "intent", "registered_by"):
        assert gone not in sealed
    assert doc["pii"] and doc["name"] == "王芳"  # the input is not mutated


def test_sealing_twice_changes_nothing():
    once = seal_record(stored_record(), NOW)
    assert seal_record(once, NOW + timedelta(days=1)) == once


def test_sealed_open_reject_is_closed_without_its_input():
    doc = {"_id": "r1", "channel": "amqp", "reason": "invalid_field",
           "errors": ["birth_date: 王芳 1990-03-07"], "raw": PROTECTOR.encrypt(json.dumps(RAW)),
           "excerpt": '{"name": "王*", "national_id": "110101********1233"}',
           "batch_id": None, "row": None, "source": "crm:web", "external_id": "e-1",
           "received_at": NOW, "status": "open", "replay_attempts": 2,
           "input_digest": PROTECTOR.blind_index("input", json.dumps(RAW))}
    sealed = seal_reject(doc, NOW)
    assert_nothing_personal(sealed)
    assert "input_digest" not in sealed  # it would still confirm a guess of the input
    assert sealed["raw"] is None and sealed["excerpt"] == "" and sealed["erased"] is True
    assert sealed["status"] == ERASED_REASON and sealed["closed_at"] == NOW
    assert sealed["reason"] == "invalid_field" and sealed["replay_attempts"] == 2
    assert seal_reject(sealed, NOW + timedelta(days=1)) == sealed


def test_sealed_replayed_reject_keeps_its_outcome():
    doc = {"_id": "r2", "channel": "http", "reason": "wrong_type", "errors": ["x"],
           "raw": "token", "excerpt": "x", "source": "s", "received_at": NOW,
           "status": "replayed", "closed_at": NOW, "record_id": "s:e"}
    sealed = seal_reject(doc, NOW + timedelta(days=1))
    assert sealed["status"] == "replayed" and sealed["closed_at"] == NOW
    assert sealed["raw"] is None and sealed["record_id"] == "s:e"


def test_sealed_ingested_event_still_meets_its_contract():
    body = build_event(names.CUSTOMER_INGESTED, accepted().event)
    sealed = seal_event_body(body)
    assert_nothing_personal(sealed)
    loaded = load_event(names.CUSTOMER_INGESTED, sealed)
    assert loaded["record_id"] == "crm:web:e-1" and loaded["event_id"] == body["event_id"]
    assert loaded["phone_bis"] == [] and loaded.get("national_id_bi") is None


def test_parked_bodies_lose_only_the_erased_entries():
    other = {**RAW, "external_id": "e-2"}
    sealed = seal_parked_payload([RAW, other], "crm:web", "e-1")
    assert sealed[0] == {"source": "crm:web", "external_id": "e-1", "erased": True}
    assert sealed[1] == other
    assert seal_parked_payload(RAW, "crm:web", "e-9") == RAW
    request = {"source": "crm:web", "external_id": "e-1", "requested_by": "dpo",
               "reason": "王芳 asked"}
    assert seal_parked_payload(request, "crm:web", "e-1") == {
        "source": "crm:web", "external_id": "e-1", "requested_by": "dpo", "erased": True}


def test_raw_names_matches_old_rejects_by_their_decrypted_input():
    text = json.dumps(RAW, ensure_ascii=False)
    assert raw_names(text, "crm:web", "e-1")
    assert not raw_names(text, "crm:web", "e-2")
    assert not raw_names("not json", "crm:web", "e-1") and not raw_names(None, "s", "e")
    assert not raw_names("[1]", "crm:web", "e-1")

"""domain/intake.py and domain/repair.py: accept/reject decisions, protection at rest."""
from __future__ import annotations

import json
from functools import partial

import pytest
from cryptography.fernet import Fernet

from common.pii import Protector
from ingestion.domain.intake import Accepted, Rejected, accept
from ingestion.domain.repair import CorrectionError, apply_corrections, field_errors
from ingestion.plugins.normalizers import BUILTIN_NORMALIZERS, normalize_record, validate_required

NID = "110101199003071233"   # valid check digit
PROTECTOR = Protector(Fernet.generate_key().decode(), "unit-test-blind-index-key")
NORMALIZE = partial(normalize_record, normalizers=BUILTIN_NORMALIZERS)


def run(raw, max_bytes: int = 64 * 1024):
    return accept(raw, NORMALIZE, validate_required, PROTECTOR, max_bytes)


def full(**extra) -> dict:
    return {"source": "s", "external_id": "e-1", "name": "王 芳", "national_id": NID,
            "phones": ["+86 138 1234 8000"], "emails": ["Wang@Example.COM"],
            "address": {"line1": "朝阳路1号", "postcode": "100020"},
            "financials": {"avg_daily_assets": "45万"}, **extra}


@pytest.mark.parametrize("raw, reason", [
    ([1, 2], "not_an_object"), ("text", "not_an_object"), (None, "not_an_object"),
    ({"external_id": "e", "name": "x"}, "missing_key"),
    ({"source": "s", "external_id": 5, "name": "x"}, "missing_key"),
    ({"source": "s", "external_id": "e", "name": ["x"]}, "wrong_type"),
    ({"source": "s", "external_id": "e", "name": {"$gt": ""}}, "operator_injection"),
    ({"source": "s", "external_id": "e", "name": "x", "address": {"city": {"$ne": 1}}},
     "operator_injection"),
    ({"source": "s", "external_id": "e", "branch": "B1"}, "no_name_or_identifier"),
    ({"source": "s", "external_id": "e", "name": "x", "kind": "alien"}, "invalid_field"),
    ({"source": "s", "external_id": "e", "name": "x" * 2000}, "oversized"),
])
def test_rejects_only_what_the_pipeline_cannot_use(raw, reason):
    outcome = run(raw, max_bytes=1000)
    assert isinstance(outcome, Rejected) and outcome.reason == reason and outcome.errors


def test_unusable_optional_fields_are_kept_and_flagged_not_rejected():
    outcome = run({"source": "s", "external_id": "e", "name": "x", "birth_date": "1990-02-30",
                   "national_id": NID[:-1] + "0"})
    assert isinstance(outcome, Accepted)
    assert {i["issue"] for i in outcome.issues} >= {"check_digit_failed"}
    assert outcome.event["national_id_bi"] is None  # excluded from matching


def test_stored_document_has_no_raw_identifier_in_plain_fields():
    outcome = run(full())
    stored = outcome.stored
    plain = json.dumps({k: v for k, v in stored.items() if k != "pii"}, ensure_ascii=False)
    for secret in (NID, "13812348000", "wang@example.com", "朝阳路1号"):
        assert secret not in plain
    opened = json.loads(PROTECTOR.decrypt(stored["pii"]))
    assert opened["national_id"] == NID and opened["phones"] == ["+8613812348000"]
    assert opened["emails"] == ["wang@example.com"]
    assert stored["name"] == "王芳" and stored["financials"]["avg_daily_assets"] == "450000.00"


def test_event_carries_blind_indexes_only():
    outcome = run(full())
    event = outcome.event
    text = json.dumps(event, ensure_ascii=False)
    for secret in (NID, "13812348000", "wang@example.com", "朝阳路1号"):
        assert secret not in text
    assert event["national_id_bi"] == PROTECTOR.blind_index("nid", NID)
    assert event["phone_bis"] == [PROTECTOR.blind_index("phone", "+8613812348000")]
    assert event["birth_date"] == "1990-03-07" and event["postcode"] == "100020"
    assert event["display"]["phone"] == "138****8000"
    assert outcome.record_id == "s:e-1"


def test_unknown_fields_are_dropped_and_content_hash_is_stable():
    first, second = run(full(extra={"a.b": 1}, note="x")), run(full())
    assert "extra" not in first.stored and "note" not in first.stored
    assert first.stored["content_hash"] == second.stored["content_hash"]
    assert run(full(name="李雷")).stored["content_hash"] != second.stored["content_hash"]


def test_corrections_apply_to_a_copy():
    raw = {"source": "s", "external_id": "e", "phones": "138", "address": {"city": "x"}}
    fixed = apply_corrections(raw, {"phones": "13812348000", "address.postcode": "100020",
                                    "name": "王芳", "address.city": None})
    assert fixed["phones"] == ["13812348000"] and fixed["name"] == "王芳"
    assert fixed["address"] == {"postcode": "100020"}
    assert raw["phones"] == "138" and raw["address"] == {"city": "x"}
    assert apply_corrections(raw, {}) is raw
    with pytest.raises(CorrectionError):
        apply_corrections(raw, {"name.$gt": "x"})
    with pytest.raises(CorrectionError):
        apply_corrections([1], {"name": "x"})


def test_field_errors_group_messages_by_field():
    grouped = field_errors(validate_required({"source": "s", "external_id": 1}))
    assert set(grouped) == {"external_id", "_record"}


def test_the_street_line_has_its_own_blind_index_equal_to_the_address_without_a_second_line():
    one_line = run(full()).event
    assert one_line["street_bi"] == one_line["address_bi"] is not None
    two_lines = run(full(external_id="e-2", address={"line1": "朝阳路1号", "line2": "3单元501",
                                                   "postcode": "100020"})).event
    assert two_lines["street_bi"] == one_line["street_bi"]
    assert two_lines["address_bi"] != one_line["address_bi"]
    assert run(full(external_id="e-3", address={"postcode": "100020"})).event["street_bi"] is None

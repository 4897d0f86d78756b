"""Issue 10 part 2, pure level: hostile input through the intake pipeline, no broker,
no database. At least 1,000 examples per property (the list readers' fuzzing moved
with them: tests/cli/test_listfiles_fuzz.py).

accept() must answer Accepted or Rejected for anything (never raise), a Rejected
names a non-empty reason and clear errors, and an Accepted record never carries the
raw national id outside its encrypted part. Adapters yield only (row, dict | str)
or raise a clear ValueError.
"""
from __future__ import annotations

import json
from functools import partial

import pytest
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, assume, example, given, settings

from common.pii import Protector
from ingestion.domain.intake import Accepted, Rejected, accept
from ingestion.plugins.normalizers import BUILTIN_NORMALIZERS, normalize_record, validate_required
from tests.fuzz import strategies as fz

FUZZ = settings(max_examples=1000, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))
PROTECTOR = Protector(",".join(f"k{i}:{Fernet.generate_key().decode()}" for i in range(2)),
                      Fernet.generate_key().decode())
NORMALIZE = partial(normalize_record, normalizers=BUILTIN_NORMALIZERS)
VALID = {"source": "s", "external_id": "e", "name": "王芳"}


def _run(raw):
    return accept(raw, NORMALIZE, validate_required, PROTECTOR)


def _check_outcome(raw):
    assume(fz.known_bug(raw) is None)  # each known bug has its own strict-xfail test below
    outcome = _run(raw)
    assert isinstance(outcome, (Accepted, Rejected)), type(outcome)
    if isinstance(outcome, Rejected):
        assert isinstance(outcome.reason, str) and outcome.reason.strip()
        assert outcome.errors and all(isinstance(e, str) and e.strip() for e in outcome.errors)
        json.dumps(outcome.errors)  # storable and printable as it is
    else:
        _assert_no_raw_national_id(raw, outcome)
    return outcome


def _assert_no_raw_national_id(raw: dict, outcome: Accepted) -> None:
    nid = raw.get("national_id")
    if not isinstance(nid, str) or len(nid.strip()) < 8:
        return
    others = json.dumps({k: v for k, v in raw.items() if k != "national_id"},
                        ensure_ascii=False, default=str)
    forms = {nid, nid.strip(), "".join(nid.split()).upper()}
    forms = {f for f in forms if len(f) >= 8 and f not in others}
    event = json.dumps(outcome.event, ensure_ascii=False, default=str)
    at_rest = json.dumps({k: v for k, v in outcome.stored.items() if k != "pii"},
                         ensure_ascii=False, default=str)
    for form in forms:
        assert form not in event, "raw national id in the customer.ingested event"
        assert form not in at_rest, "raw national id stored outside the encrypted part"
    assert outcome.event["national_id_bi"] is None or len(outcome.event["national_id_bi"]) == 32


@FUZZ
@given(fz.intake_values)
@example({**VALID, "address": {"city": {"$ne": 1}}})
@example({**VALID, "national_id": fz.cn_id("11010119900307123")})
@example({**VALID, "financials": {"avg_daily_assets": float("nan")}})
@example({**VALID, "registered_at": 1e308})
def test_accept_never_raises_and_rejects_clearly(raw):
    _check_outcome(raw)


@FUZZ
@given(fz.records())
def test_records_with_valid_keys_are_accepted_or_rejected_cleanly(raw):
    raw = {**raw, "source": "fuzz", "external_id": "x-1"}
    _check_outcome(raw)


@FUZZ
@given(fz.national_ids, fz.field_value("national_id_type"), fz.field_value("birth_date"))
def test_accepted_record_never_carries_the_raw_national_id(nid, id_type, birth):
    raw = {**VALID, "national_id": nid, "national_id_type": id_type, "birth_date": birth}
    outcome = _check_outcome(raw)
    elsewhere = json.dumps([id_type, birth], ensure_ascii=False, default=str)
    if isinstance(outcome, Accepted) and nid not in elsewhere:
        assert outcome.stored["pii"]
        assert nid not in json.dumps(outcome.stored, ensure_ascii=False, default=str)


# -- bugs found by the fuzzing (strict: they fail loudly once fixed) -------------------

def test_lone_surrogate_is_rejected_not_raised():
    outcome = _run({**VALID, "name": "\ud800"})
    assert isinstance(outcome, Rejected) and outcome.reason.strip()


def test_deep_nesting_is_rejected_not_raised():
    outcome = _run({**VALID, "intent": fz.nest("x", 5000, False)})
    assert isinstance(outcome, Rejected) and outcome.reason.strip()


def test_huge_integer_amount_is_a_quality_issue_not_an_exception():
    outcome = _run({**VALID, "financials": {"avg_daily_assets": 10 ** 400}})
    assert isinstance(outcome, Accepted)
    assert {"field": "financials.avg_daily_assets", "issue": "not_a_number"} in [
        {k: i[k] for k in ("field", "issue")} for i in outcome.issues]


@pytest.mark.parametrize("value", [True, 5, 1.5])
def test_non_list_contact_field_is_rejected_not_raised(value):
    outcome = _run({"source": "s", "external_id": "e", "phones": value})
    assert isinstance(outcome, Rejected) and outcome.reason == "wrong_type"

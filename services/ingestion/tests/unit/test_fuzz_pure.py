"""Issue 10 part 2, pure level: hostile input through the intake pipeline and the file
adapters, no broker, no database. At least 1,000 examples per property.

accept() must answer Accepted or Rejected for anything (never raise), a Rejected
names a non-empty reason and clear errors, and an Accepted record never carries the
raw national id outside its encrypted part. Adapters yield only (row, dict | str)
or raise a clear ValueError.
"""
from __future__ import annotations

import io
import json
import zipfile
from functools import partial

import pytest
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, assume, example, given, settings, strategies as st
from openpyxl import Workbook

from common.pii import Protector
from ingestion.domain.intake import Accepted, Rejected, accept
from ingestion.plugins.adapters import ADAPTER_CLASSES, BUILTIN_PROFILES, adapter_for_filename
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


# -- file adapters ----------------------------------------------------------------

def _parse(name: str, data: bytes, profile):
    try:
        rows = list(ADAPTER_CLASSES[name]().parse(data, profile))
    except ValueError as err:  # the only exception allowed: clear and non-empty
        assert str(err).strip()
        return []
    for row in rows:
        assert isinstance(row, tuple) and len(row) == 2, row
        number, item = row
        assert isinstance(number, int) and not isinstance(number, bool)
        assert isinstance(item, (dict, str)), type(item)
        if isinstance(item, str):
            assert item.strip(), "an unreadable row needs a reason"
    return rows


profiles = st.sampled_from([None, "auto", *BUILTIN_PROFILES])
cells = st.one_of(fz.scalars.filter(lambda v: not isinstance(v, int) or abs(v) < 10 ** 15),
                  st.sampled_from(["客户编号", "姓名", "身份证号", "phones", "name", "=1+1",
                                   "external_id", "address.city", "$gt"]))


@FUZZ
@given(st.sampled_from(sorted(ADAPTER_CLASSES)), fz.random_bytes, profiles)
def test_adapters_survive_random_bytes(name, data, profile):
    _parse(name, data, profile)


def _csv_bytes(rows, delimiter: str, encoding: str) -> bytes:
    out = "\r\n".join(delimiter.join(str(c) for c in row) for row in rows)
    return out.encode(encoding, errors="replace")


@FUZZ
@given(st.lists(st.lists(cells, max_size=8), max_size=8), st.sampled_from([",", ";", "\t"]),
       st.sampled_from(["utf-8", "gb18030", "utf-16"]), profiles)
def test_csv_adapter_survives_random_tables(rows, delimiter, encoding, profile):
    _parse("csv", _csv_bytes(rows, delimiter, encoding), profile)


@FUZZ
@given(fz.intake_values, profiles, st.booleans())
def test_json_adapters_survive_random_json(value, profile, lines):
    assume(fz.known_bug(value) is None)
    data = fz.encode(value)
    if lines and isinstance(value, list):
        data = b"\n".join(fz.encode(v) for v in value)
    _parse("jsonl" if lines else "json", data, profile)


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


xlsx_cells = st.one_of(st.none(), st.booleans(), st.integers(-10 ** 15, 10 ** 15),
                       st.floats(allow_nan=False, allow_infinity=False),
                       st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=30),
                       st.dates(), st.datetimes(), st.sampled_from(["客户编号", "姓名", "手机号"]))


@FUZZ
@given(st.lists(st.lists(xlsx_cells, max_size=6), max_size=6), profiles,
       st.lists(st.tuples(st.integers(0, 10 ** 6), st.integers(0, 255)), max_size=3))
def test_xlsx_adapter_survives_random_and_corrupted_workbooks(rows, profile, flips):
    data = bytearray(_xlsx(rows))
    for position, value in flips:  # corrupt a few bytes of the zip
        data[position % len(data)] = value
    _parse("xlsx", bytes(data), profile)


@FUZZ
@given(st.text(max_size=30))
def test_adapter_for_filename_is_an_adapter_or_a_clear_value_error(name):
    try:
        adapter = adapter_for_filename(name)
    except ValueError as err:
        assert "unsupported file type" in str(err)
    else:
        assert type(adapter) in ADAPTER_CLASSES.values()


def test_a_valid_zip_that_is_not_a_workbook_is_a_row_error():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    rows = _parse("xlsx", buffer.getvalue(), "auto")
    assert len(rows) == 1 and isinstance(rows[0][1], str)


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


@pytest.mark.parametrize("name", ["json", "jsonl"])
def test_deeply_nested_json_file_is_a_row_error(name):
    rows = _parse(name, b"[" * 5000, "auto")
    assert len(rows) == 1 and isinstance(rows[0][1], str)

"""The CLI's list readers fuzzed (pure: no broker, no database), at least 1,000
examples per property: they yield only (row, dict | str) or raise a clear ValueError.
Moved from ingestion with the readers (issue 18, point 3)."""
from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st
from openpyxl import Workbook

from crm_cli.listfiles import ADAPTER_CLASSES, BUILTIN_PROFILES, adapter_for_filename
from tests.fuzz import strategies as fz

FUZZ = settings(max_examples=1000, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


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


@pytest.mark.parametrize("name", ["json", "jsonl"])
def test_deeply_nested_json_file_is_a_row_error(name):
    rows = _parse(name, b"[" * 5000, "auto")
    assert len(rows) == 1 and isinstance(rows[0][1], str)

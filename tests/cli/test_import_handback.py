"""Unit tests (no stack) for issue 21 point 2's CLI side: encodings detected by
charset-normalizer and reported, the dry-run summary counted like the import's, and the
rejects spreadsheet that `crm import` reads back."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from crm_cli import import_summary, reject_export
from crm_cli.listfiles import CsvAdapter, detect_text

SIMPLIFIED = "客户编号,姓名,手机号,地址\nC001,张三,13812348000,北京市东城区王府井大街1号\n" \
             "C002,李四,13912345678,上海市浦东新区世纪大道100号\n"
TRADITIONAL = "客戶編號,姓名,手機號,地址\nC001,張三,13812348000,臺北市中正區重慶南路一段122號\n" \
              "C002,李四,13912345678,高雄市前金區中正四路211號\n"


@pytest.mark.parametrize("text, codec, shown", [
    (SIMPLIFIED, "utf-8", "UTF-8"), (SIMPLIFIED, "utf-8-sig", "UTF-8"),
    (SIMPLIFIED, "gb18030", "GB18030"), (TRADITIONAL, "big5", "Big5"),
    (SIMPLIFIED, "utf-16", "UTF-16"), (SIMPLIFIED, "utf-16-le", "UTF-16LE"),
])
def test_encoding_detected_and_named(text, codec, shown):
    decoded, name = detect_text(text.encode(codec))
    assert decoded == text and name == shown


def test_a_utf16_file_is_read_not_mangled():
    adapter = CsvAdapter()
    rows = list(adapter.parse(SIMPLIFIED.encode("utf-16"), "auto"))
    assert adapter.encoding == "UTF-16"
    assert [r["name"] for _, r in rows] == ["张三", "李四"]


def test_dry_run_counts_results_as_the_import_counts_them():
    results = [{"status": "created", "quality": ["phones: invalid_phone", "emails: invalid_email"]},
               {"status": "unchanged", "quality": []},
               {"status": "updated", "quality": ["phones: invalid_phone"]},
               {"status": "rejected", "reason": "missing_key", "errors": ["x"]},
               {"status": "rejected", "reason": "missing_key", "errors": ["y"]}]
    counts = import_summary.count_results(results)
    assert (counts["received"], counts["accepted"], counts["unchanged"], counts["rejected"]) == \
        (5, 2, 1, 2)
    assert counts["reasons"] == {"missing_key": 2} and counts["flagged"] == 2
    assert counts["quality"] == {"phones": 2, "emails": 1}
    text = import_summary.line("dry run of a.csv", counts, 0, [], "GB18030", True)
    assert "2 would be accepted" in text and "(missing_key 2)" in text
    assert "2 would be flagged" in text and "phones 2, emails 1" in text
    assert text.endswith("encoding GB18030; nothing was sent")


REJECTS = [
    {"id": "r1", "row": 4, "reason": "no_name_or_identifier", "errors": ["neither a name nor an identifier"],
     "record": {"source": "s", "external_id": "E-3", "phones": ["138", "139"],
                "address": {"city": "北京"}}},
    {"id": "r2", "row": 9, "reason": "unreadable_row", "errors": ["row has 7 or more cells"],
     "record": "row has 7 or more cells but the header has 5"},
]


def test_export_sheet_has_field_columns_then_reasons():
    header, rows = reject_export.sheet(REJECTS)
    assert header == ["source", "external_id", "phones", "address.city", *reject_export.REASON_COLUMNS]
    assert rows[0] == ["s", "E-3", "138;139", "北京", "no_name_or_identifier",
                       "neither a name nor an identifier", 4, "r1"]
    assert rows[1][:4] == [None] * 4 and rows[1][4] == "unreadable_row"


def test_exported_csv_and_xlsx_read_back_by_the_import_adapter():
    header, rows = reject_export.sheet(REJECTS[:1])
    parsed = list(CsvAdapter().parse(reject_export.to_csv(header, rows), "auto"))
    assert parsed[0][1]["external_id"] == "E-3" and parsed[0][1]["address"] == {"city": "北京"}
    sheet = load_workbook(io.BytesIO(reject_export.to_xlsx(header, rows))).active
    assert [c.value for c in sheet[2]][:3] == ["s", "E-3", "138;139"]
    assert next(csv.reader(io.StringIO(reject_export.to_csv(header, rows).decode("utf-8-sig"))))[0] == "source"


def test_a_fixed_export_names_the_rejects_its_rows_answer():
    header, rows = reject_export.sheet(REJECTS)
    for data, name in ((reject_export.to_csv(header, rows), "fixed.csv"),
                       (reject_export.to_xlsx(header, rows), "fixed.xlsx")):
        assert reject_export.answered_rejects(name, data) == {"2": "r1", "3": "r2"}
    plain = "external_id,name\nE-1,张三\n".encode()
    assert reject_export.answered_rejects("list.csv", plain) == {}

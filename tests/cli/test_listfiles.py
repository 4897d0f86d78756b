"""The CLI's list readers: CSV (UTF-8, BOM, GB18030), XLSX, JSON, profiles."""
import io
import json
from datetime import datetime

import pytest
from openpyxl import Workbook

from crm_cli.listfiles import (
    BUILTIN_PROFILES, CsvAdapter, FieldProfile, JsonAdapter, JsonLinesAdapter, XlsxAdapter,
    adapter_for_filename,
)

CN_HEADER = ["客户编号", "姓名", "身份证号", "手机号", "联系电话", "性别", "日均金融资产", "所属网点", "备注"]
CN_ROW = ["C001", "张三", "110101199003071233", "13812348000", "010-12345678", "男", "1,200,000", "朝阳支行", "老客户"]


def parse_all(adapter, data, profile=None):
    return list(adapter.parse(data, profile))


def test_csv_utf8_standard_headers():
    data = ("source,external_id,name,phones,phones,financials.avg_daily_assets,city,unknown\n"
            "web,1,Zhang San,13812348000,13912345678,50000,Beijing,x\n"
            "\n"
            "web,2,,,,,,\n").encode("utf-8")
    adapter = CsvAdapter()
    rows = parse_all(adapter, data)
    assert rows == [
        (2, {"source": "web", "external_id": "1", "name": "Zhang San", "phones": ["13812348000", "13912345678"],
             "financials": {"avg_daily_assets": "50000"}, "address": {"city": "Beijing"}}),
        (4, {"source": "web", "external_id": "2"}),  # empty cells omitted, blank line skipped
    ]
    assert adapter.profile_used.name == "standard"
    assert adapter.unmapped_headers == ["unknown"]


def test_csv_utf8_bom_semicolon():
    data = "\ufeffexternal_id;name;email\n7;李四;li@example.cn\n".encode("utf-8")
    assert parse_all(CsvAdapter(), data) == [(2, {"external_id": "7", "name": "李四", "emails": ["li@example.cn"]})]


def test_csv_gb18030_chinese_headers_tab():
    text = "\t".join(CN_HEADER) + "\n" + "\t".join(CN_ROW) + "\n"
    adapter = CsvAdapter()
    rows = parse_all(adapter, text.encode("gb18030"))
    assert adapter.profile_used.name == "branch_cn"
    assert adapter.unmapped_headers == ["备注"]
    assert rows == [(2, {
        "external_id": "C001", "name": "张三", "national_id": "110101199003071233",
        "phones": ["13812348000", "010-12345678"], "gender": "male",
        "financials": {"avg_daily_assets": "1,200,000"}, "branch": "朝阳支行"})]


def test_csv_bad_row_reported_and_rest_read():
    data = "external_id,name\n1,A\n2,B,extra,cells\n3,C\n".encode("utf-8")
    rows = parse_all(CsvAdapter(), data)
    assert rows[0] == (2, {"external_id": "1", "name": "A"})
    assert rows[1][0] == 3 and isinstance(rows[1][1], str) and "header has 2" in rows[1][1]
    assert rows[2] == (4, {"external_id": "3", "name": "C"})


def test_csv_explicit_profile_by_object_and_name():
    profile = FieldProfile("custom", {"Kunden-Nr": "external_id", "Telefon": "phones"})
    data = "Kunden-Nr,Telefon\nK9,13812348000\n".encode("utf-8")
    assert parse_all(CsvAdapter(), data, profile) == [(2, {"external_id": "K9", "phones": ["13812348000"]})]
    only_cn = parse_all(CsvAdapter(), "客户编号,name\n5,x\n".encode("utf-8"), "branch_cn")
    assert only_cn == [(2, {"external_id": "5"})]


def xlsx_bytes(rows):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_chinese_headers_numbers_and_ids():
    data = xlsx_bytes([
        [None, None],  # leading empty row: header is the first non-empty row
        ["客户编号", "姓名", "证件号码", "手机", "邮编", "年日均金融资产", "登记日期", "营销同意", "证件类型"],
        [10001, " 王五 ", 110101900307123, 13812348000.0, 100022, 350000.5, datetime(2023, 5, 6), "是", "身份证"],
        [None, "赵六", None, None, None, None, datetime(2023, 5, 6, 9, 30), None, None],
    ])
    adapter = XlsxAdapter()
    rows = parse_all(adapter, data)
    assert adapter.profile_used.name == "branch_cn" and adapter.unmapped_headers == []
    assert rows == [
        (3, {"external_id": "10001", "name": "王五", "national_id": "110101900307123",
             "phones": ["13812348000"], "address": {"postcode": "100022"},
             "financials": {"avg_daily_assets": 350000.5}, "registered_at": "2023-05-06",
             "consent": {"marketing": True}, "national_id_type": "cn_resident"}),
        (4, {"name": "赵六", "registered_at": "2023-05-06T09:30:00"}),
    ]


def test_xlsx_18_digit_id_stored_as_number_is_digits_then_flagged():
    # Excel keeps 15 significant digits: the tail is lost, but we never emit "1.1e+17" or ".0",
    # and the national_id normalizer then reports the damaged number instead of trusting it.
    from ingestion.plugins.normalizers import NationalIdNormalizer

    data = xlsx_bytes([["身份证号", "姓名"], [110101199003071233, "王五"]])
    (_, record), = parse_all(XlsxAdapter(), data)
    assert record["national_id"].isdigit() and len(record["national_id"]) == 18
    out, issues = NationalIdNormalizer().apply(record)
    assert out["national_id"] is None and issues[0]["issue"] == "check_digit_failed"


def test_xlsx_corrupt_file():
    rows = parse_all(XlsxAdapter(), b"not a zip file")
    assert len(rows) == 1 and rows[0][0] == 0 and "cannot read workbook" in rows[0][1]


def test_json_array_with_bad_element():
    data = json.dumps([{"source": "crm", "external_id": "1", "name": "张三"}, "oops", {"external_id": "2"}]).encode()
    rows = parse_all(JsonAdapter(), data)
    assert rows[0] == (1, {"source": "crm", "external_id": "1", "name": "张三"})
    assert rows[1][0] == 2 and "expected a JSON object" in rows[1][1]
    assert rows[2] == (3, {"external_id": "2"})


def test_json_lines_bad_line():
    data = b'{"external_id": "1"}\n{broken\n\n{"external_id": "3", "address": {"city": "SH"}}\n'
    rows = parse_all(JsonLinesAdapter(), data)
    assert rows[0] == (1, {"external_id": "1"})
    assert rows[1][0] == 2 and rows[1][1].startswith("invalid JSON")
    assert rows[2] == (4, {"external_id": "3", "address": {"city": "SH"}})
    assert parse_all(JsonAdapter(), data)[2] == rows[2]  # JsonAdapter falls back to lines


def test_json_with_explicit_profile_maps_flat_keys():
    data = json.dumps([{"客户编号": 12, "手机号": "13812348000", "性别": "女", "其他": 1}], ensure_ascii=False).encode()
    adapter = JsonAdapter()
    rows = parse_all(adapter, data, "branch_cn")
    assert rows == [(1, {"external_id": "12", "phones": ["13812348000"], "gender": "female"})]
    assert adapter.unmapped_headers == ["其他"]


def test_builtin_profiles_and_filename_dispatch():
    assert set(BUILTIN_PROFILES) == {"standard", "branch_cn"}
    assert BUILTIN_PROFILES["standard"].path_for("avg_daily_assets") == "financials.avg_daily_assets"
    assert BUILTIN_PROFILES["standard"].path_for("Address.Line1") == "address.line1"
    assert BUILTIN_PROFILES["branch_cn"].path_for("三方存管保证金") == "financials.custody_margin"
    assert isinstance(adapter_for_filename("list.CSV"), CsvAdapter)
    assert isinstance(adapter_for_filename("名单.xlsx"), XlsxAdapter)
    assert isinstance(adapter_for_filename("a.json"), JsonAdapter)
    assert isinstance(adapter_for_filename("a.ndjson"), JsonLinesAdapter)
    assert adapter_for_filename("a.csv") is not adapter_for_filename("a.csv")
    with pytest.raises(ValueError):
        adapter_for_filename("old.xls")


def test_group_customer_fields_pass_through_and_have_columns():
    """Issue 19: a JSON list keeps organization, relations and credit whole under the
    standard profile; a spreadsheet spells organisation and credit as columns."""
    record = {"external_id": "ORG-1", "kind": "organization",
              "organization": {"uscc": "91110100000000001N", "industry": "投资"},
              "relations": [{"type": "controls", "target": {"uscc": "91110100000000002R"}}],
              "credit": {"limit": "600000000", "as_of": "2026-09-30"}}
    adapter = JsonAdapter()
    assert parse_all(adapter, json.dumps([record]).encode(), "standard") == [(1, record)]
    assert adapter.unmapped_headers == []
    data = ("external_id,organization.uscc,credit.limit,outstanding\n"
            "O-2,91110100000000002R,100,50\n").encode()
    assert parse_all(CsvAdapter(), data) == [(2, {
        "external_id": "O-2", "organization": {"uscc": "91110100000000002R"},
        "credit": {"limit": "100", "outstanding": "50"}})]

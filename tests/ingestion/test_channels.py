"""Issue 4, 'Done when' #1: three channels, every kind of bad input, nothing lost.

Every input must end either as a record in crm_ingestion.records or as an open
reject; the consumer must keep consuming afterwards.
"""
from __future__ import annotations

import json

import pytest
from openpyxl import Workbook

from tests.ingestion.helpers import cn_id, open_rejects, post, records

pytestmark = pytest.mark.integration

CN_HEADERS = ["客户编号", "姓名", "身份证号", "手机号", "性别", "日均金融资产", "备注"]


def _import(stack, path, source: str, profile: str) -> dict:
    out = stack.crm("import", str(path), "--source", source, "--profile", profile, "--json")
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_xlsx_with_chinese_headers_is_one_tracked_batch(stack, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(CN_HEADERS)
    sheet.append(["BJ-1", "王 芳", cn_id(1), 13812348001, "女", "45万", "老客户"])
    sheet.append(["BJ-2", "ＬＩ　Ｌｅｉ", None, "+86 139 1234 8002", "男", 1200000, None])
    sheet.append(["BJ-3", "赵六", cn_id(3), None, None, "3,000", None])
    sheet.append(["BJ-1", "王 芳", cn_id(1), 13812348001, "女", "45万", "老客户"])  # repeated row
    sheet.append(["BJ-5", None, None, None, None, 100, "无姓名无证件"])              # unusable
    path = tmp_path / "网点名单.xlsx"
    book.save(path)

    summary = _import(stack, path, "branch_bj", "branch_cn")

    assert summary["profile"] == "branch_cn" and summary["ignored_columns"] == ["备注"]
    assert (summary["received"], summary["rejected"], summary["duplicates"]) == (5, 1, 1)
    assert summary["accepted"] + summary["unchanged"] + summary["rejected"] == 5
    stored = {r["external_id"]: r for r in records(stack, "branch_bj")}
    assert sorted(stored) == ["BJ-1", "BJ-2", "BJ-3"]
    assert stored["BJ-1"]["name"] == "王芳" and stored["BJ-1"]["gender"] == "female"
    assert stored["BJ-1"]["financials"]["avg_daily_assets"] == "450000.00"  # exact, the contract form
    assert stored["BJ-2"]["name"] == "LI Lei"           # full-width folded
    assert stored["BJ-3"]["birth_date"] == "1990-03-07"  # derived from the ID
    rejected = [r for r in open_rejects(stack) if r["batch_id"] == summary["batch_id"]]
    assert [(r["row"], r["reason"]) for r in rejected] == [(6, "no_name_or_identifier")]

    batch = stack.crm_json("imports", "show", summary["batch_id"], "--json")[0]
    assert batch["status"] == "finished" and batch["source"] == "branch_bj"
    assert batch["filename"] == "网点名单.xlsx" and batch["imported_by"]
    assert (batch["received"], batch["rejected"]) == (5, 1)
    listed = {b["id"]: b for b in stack.crm_json("imports", "list", "--json")}
    assert listed[summary["batch_id"]]["received"] == 5


def test_gb18030_csv_maps_with_auto_profile(stack, tmp_path):
    lines = [",".join(CN_HEADERS[:6]),
             f"GB-1,张三,{cn_id(11)},13812348011,男,50000",
             "GB-2,欧阳娜娜,,138-1234-8012,女,1.5万",
             "GB-3,,,,,"]  # an id but nothing else: rejected, kept with its row
    path = tmp_path / "list.csv"
    path.write_bytes("\r\n".join(lines).encode("gb18030"))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")  # the file really is not UTF-8

    summary = _import(stack, path, "branch_gb", "auto")

    assert summary["profile"] == "branch_cn"
    assert (summary["received"], summary["accepted"], summary["rejected"]) == (3, 2, 1)
    stored = {r["external_id"]: r for r in records(stack, "branch_gb")}
    assert stored["GB-2"]["name"] == "欧阳娜娜"
    assert stored["GB-2"]["financials"]["avg_daily_assets"] == "15000.00"


def test_http_batch_single_and_too_large(stack):
    url, token = stack.env["INTAKE_URL"], stack.env["INTAKE_TOKEN"]
    before = len(open_rejects(stack))
    batch = [{"source": "web_form", "external_id": "H-1", "name": "孙七", "phones": ["13812348101"]},
             {"source": "web_form", "external_id": "H-2", "name": "周八"},
             {"source": "web_form", "name": "no external id"},
             {"source": "web_form", "external_id": "H-4", "name": {"$gt": ""}}]
    status, body = post(url, json.dumps(batch).encode(), token=token)
    assert status == 202
    assert [r["status"] for r in body["results"]] == ["created", "created", "rejected", "rejected"]
    assert [r.get("reason") for r in body["results"][2:]] == ["missing_key", "operator_injection"]

    status, body = post(url, json.dumps({"source": "web_form", "external_id": 7}).encode(),
                        token=token)
    assert status == 400
    assert "external_id" in body["fields"] and body["reject_id"]

    status, body = post(url, b"[" + b" " * 5_100_000 + b"]", token=token)
    assert status == 413

    assert sorted(r["external_id"] for r in records(stack, "web_form")) == ["H-1", "H-2"]
    assert len(open_rejects(stack)) - before == 3  # the 413 was refused, not received


BAD_AMQP = [  # (body, publish options, rejects it must leave)
    ('{"source": "amqp_t", "external_id": ', {"raw": True}, 1),               # malformed JSON
    (b'\xff\xfe{"source": "amqp_t"}', {"raw": True}, 1),                      # not UTF-8
    ("just text", {"raw": True, "content_type": "text/plain"}, 1),            # not JSON at all
    ({"source": "amqp_t", "external_id": 123, "name": "x"}, {}, 1),          # wrong type
    ({"source": "amqp_t", "external_id": "W-2", "phones": "13812348000"}, {}, 1),
    ({"source": "amqp_t", "external_id": {"$gt": ""}, "name": "x"}, {}, 1),  # injection
    ({"source": "amqp_t", "external_id": "I-2", "name": {"$ne": None}}, {}, 1),
    ({"source": "amqp_t", "external_id": "BIG", "name": "x" * 300_000}, {}, 1),  # oversized
    ([1, 2, 3], {}, 3),                                                        # not objects
    ("a plain JSON string", {}, 1),
    (None, {}, 1),
]


def test_amqp_every_bad_input_is_a_reject_and_consumer_survives(stack):
    before = len(open_rejects(stack))
    stack.publish({"source": "amqp_t", "external_id": "A-1", "name": "钱九"})
    stack.publish([{"source": "amqp_t", "external_id": "A-2", "name": "吴十"},
                   {"source": "amqp_t", "external_id": "A-3", "national_id": cn_id(21)}])
    for body, options, _ in BAD_AMQP:
        stack.publish(body, **options)
    stack.drain()

    rejects = open_rejects(stack)[: len(open_rejects(stack)) - before]
    accepted = records(stack, "amqp_t")
    expected_rejects = sum(n for *_, n in BAD_AMQP)
    assert len(accepted) == 3
    assert len(rejects) == expected_rejects
    assert len(accepted) + len(rejects) == 3 + expected_rejects  # received
    assert {r["reason"] for r in rejects} == {
        "undecodable", "missing_key", "wrong_type", "operator_injection", "oversized",
        "not_an_object"}
    assert sum(r["reason"] == "undecodable" for r in rejects) == 3
    with stack.rpc() as proxy:
        assert proxy.ingestion.parked_list() == []  # nothing fell into the parking lot

    stack.publish({"source": "amqp_t", "external_id": "A-4", "name": "郑十一"})
    stack.drain()
    assert "A-4" in {r["external_id"] for r in records(stack, "amqp_t")}
    intake = [q for q in stack.queues() if q["name"] == "crm.intake.ingestion"]
    assert intake and intake[0]["consumers"] >= 1

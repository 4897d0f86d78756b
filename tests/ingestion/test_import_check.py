"""Issue 21 point 2: imports that can be checked and handed back.

`crm import --dry-run` sends nothing (watched on the broker: no event on ingestion's
exchange, no intake message; and no batch, record or reject) and its counts equal the
real import's that follows; `crm rejects list --batch` and `crm rejects export` hand a
batch's rejects back, and importing the fixed rows clears them.
"""
from __future__ import annotations

import csv
import io
import json
import uuid

import pytest
from openpyxl import Workbook, load_workbook

from contracts import names
from contracts.batches import events_in
from tests.ingestion.helpers import cn_id, records

pytestmark = pytest.mark.integration

HEADER = ["external_id", "name", "national_id", "phones", "emails"]
COMPARED = ("received", "accepted", "unchanged", "rejected", "reasons", "quality")


def _rows(tag: str) -> list[list]:
    return [
        [f"{tag}-1", "王芳", cn_id(201), "13812348201", "wang@example.cn"],
        [f"{tag}-2", "李雷", "", "14012345678", ""],             # 140: no CN mobile range
        [f"{tag}-3", "", "", "", ""],                            # nothing to identify
        ["", "赵六", "", "13812348204", ""],                     # no external_id
        [f"{tag}-1", "王芳", cn_id(201), "13812348201", "wang@example.cn"],  # repeated
        [f"{tag}-6", "孙七", "", "13812348206", "sun..qi@example.cn"],       # bad e-mail
        [f"{tag}-7", "", "", "", ""],
    ]


def _xlsx(path, rows: list[list]) -> None:
    book = Workbook()
    book.active.append(HEADER)
    for row in rows:
        book.active.append(row)
    book.save(path)


def _summary(stack, *args: str) -> dict:
    return json.loads(stack.crm("import", *args, "--json").stdout.strip().splitlines()[-1])


def test_dry_run_sends_nothing_and_counts_like_the_import(stack, tmp_path):
    tag = f"DR{uuid.uuid4().hex[:6]}"
    source = f"dry_{tag.lower()}"
    path = tmp_path / "list.xlsx"
    _xlsx(path, _rows(tag))
    batches = len(stack.crm_json("imports", "list", "--json", "--limit", "100000"))
    rejects = stack.db("ingestion")["rejects"].count_documents({})
    watch = [stack.subscribe(names.INGESTION_EVENTS, "#"), stack.subscribe(names.INTAKE_EXCHANGE, "#")]
    try:
        dry = _summary(stack, str(path), "--source", source, "--dry-run")
        for w, exchange in zip(watch, (names.INGESTION_EVENTS, names.INTAKE_EXCHANGE)):
            # nothing published: a marker sent after the dry run returned comes first
            stack.publish_many([{"marker": tag}], routing_key="test.marker", exchange=exchange)
            w.assert_none_before(lambda e: e.get("marker") == tag, lambda e: True)
        assert len(stack.crm_json("imports", "list", "--json", "--limit", "100000")) == batches
        assert stack.db("ingestion")["rejects"].count_documents({}) == rejects
        assert records(stack, source) == []
        assert dry["dry_run"] is True and dry["encoding"] is None  # xlsx: no text encoding
        assert (dry["received"], dry["accepted"], dry["unchanged"], dry["rejected"]) == (7, 3, 1, 3)
        assert dry["reasons"] == {"no_name_or_identifier": 2, "missing_key": 1}
        assert dry["quality"] == {"phones": 1, "emails": 1} and dry["flagged"] == 2

        real = _summary(stack, str(path), "--source", source)
        assert {k: real[k] for k in COMPARED} == {k: dry[k] for k in COMPARED}
        alone = watch[0].wait_for(3, lambda e: events_in(e) is None)  # not batch messages
        assert len(alone) == 3  # the real import does publish (3 created)
    finally:
        for w in watch:
            w.close()
    batch = stack.crm_json("imports", "show", real["batch_id"], "--json")[0]
    assert batch["quality"] == {"phones": 1, "emails": 1}
    assert batch["reasons"] == {"no_name_or_identifier": 2, "missing_key": 1}


def test_a_second_dry_run_sees_what_the_import_stored(stack, tmp_path):
    tag = f"DS{uuid.uuid4().hex[:6]}"
    path = tmp_path / "list.csv"
    path.write_bytes("\r\n".join(",".join(map(str, r)) for r in [HEADER, *_rows(tag)])
                     .encode("utf-16"))
    _summary(stack, str(path), "--source", f"dry_{tag.lower()}")
    again = _summary(stack, str(path), "--source", f"dry_{tag.lower()}", "--dry-run")
    assert again["encoding"] == "UTF-16"
    assert (again["accepted"], again["unchanged"], again["rejected"]) == (0, 4, 3)
    text = stack.crm("import", str(path), "--source", f"dry_{tag.lower()}", "--dry-run").stdout
    assert "3 would be rejected (no_name_or_identifier 2, missing_key 1)" in text
    assert "nothing was sent" in text and "encoding UTF-16" in text


def test_rejects_of_a_batch_exported_fixed_and_imported_again(stack, tmp_path):
    tag = f"RT{uuid.uuid4().hex[:6]}"
    source = f"rt_{tag.lower()}"
    path = tmp_path / "list.xlsx"
    _xlsx(path, _rows(tag))
    batch_id = _summary(stack, str(path), "--source", source)["batch_id"]

    listed = stack.crm_json("rejects", "list", "--batch", batch_id, "--json")
    assert sorted(r["row"] for r in listed) == [4, 5, 8]
    assert {r["batch_id"] for r in listed} == {batch_id}

    out = tmp_path / "rejects.xlsx"
    stack.crm("rejects", "export", "--batch", batch_id, "--format", "xlsx", str(out))
    sheet = list(load_workbook(out).active.iter_rows(values_only=True))
    header, rows = list(sheet[0]), [dict(zip(sheet[0], r)) for r in sheet[1:]]
    assert header[-4:] == ["reject_reason", "reject_errors", "file_row", "reject_id"]
    assert [(r["external_id"] or None, r["reject_reason"]) for r in rows] == \
        [(f"{tag}-3", "no_name_or_identifier"), (None, "missing_key"),
         (f"{tag}-7", "no_name_or_identifier")]
    assert [r["file_row"] for r in rows] == ["4", "5", "8"]
    assert {r["reject_id"] for r in rows} == {r["id"] for r in listed}

    for row, name in zip([r for r in rows if r.get("external_id")], ("周八", "吴九")):
        row["name"] = name  # the list owner's fixes
    rows[1]["external_id"] = f"{tag}-4"  # the row that had no external_id gets one
    fixed = tmp_path / "fixed.xlsx"
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append([row.get(h) for h in header])
    book.save(fixed)
    again = _summary(stack, str(fixed), "--source", source)
    assert (again["accepted"], again["rejected"]) == (3, 0)
    assert again["ignored_columns"] == []  # the export's own columns are read, not ignored
    assert stack.crm_json("rejects", "list", "--batch", batch_id, "--json") == []
    resolved = stack.db("ingestion")["rejects"].find({"batch_id": batch_id})
    assert {(r["status"], r["resolved_by_batch"]) for r in resolved} == \
        {("resolved", again["batch_id"])}
    names_now = {r["external_id"]: r["name"] for r in records(stack, source)}
    assert names_now[f"{tag}-3"] == "周八" and names_now[f"{tag}-7"] == "吴九"
    assert names_now[f"{tag}-4"] == "赵六"


def test_export_masks_personal_data_for_a_viewer(stack, tmp_path):
    tag = f"VW{uuid.uuid4().hex[:6]}"
    path = tmp_path / "list.csv"
    path.write_text("external_id,name,phones\n,张三丰,13812348301\n", encoding="gb18030")
    batch_id = _summary(stack, str(path), "--source", f"vw_{tag.lower()}")["batch_id"]
    made = stack.crm("operators", "add", f"viewer-{tag.lower()}", "--role", "viewer").stdout
    uri = next(x for x in made.splitlines() if x.startswith("CRM_AMQP_URI=")).split("=", 1)[1]
    officer, viewer = tmp_path / "officer.csv", tmp_path / "viewer.csv"
    stack.crm("rejects", "export", "--batch", batch_id, "--format", "csv", str(officer))
    stack.crm("rejects", "export", "--batch", batch_id, "--format", "csv", str(viewer),
              env={"CRM_AMQP_URI": uri})
    read = [list(csv.DictReader(io.StringIO(p.read_bytes().decode("utf-8-sig"))))
            for p in (officer, viewer)]
    assert read[0][0]["name"] == "张三丰" and read[0][0]["phones"] == "13812348301"
    assert read[1][0]["name"] != "张三丰" and "13812348301" not in read[1][0]["phones"]
    assert read[1][0]["reject_reason"] == "missing_key"

"""Issue 10 part 2: `crm import` fuzzed: >= 1,000 small random files through the adapters
and the ingestion RPCs the command uses (start_import, import_rows).

Adapters may only refuse with a clear ValueError; the service answers every chunk
with counts that add up, and the batch, the rejects and the records agree.
"""
from __future__ import annotations

import io
import os
import uuid

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from crm_cli.listfiles import ADAPTER_CLASSES, BUILTIN_PROFILES
from tests.fuzz import helpers as h
from tests.fuzz import strategies as fz

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("CRM_FUZZ_EXAMPLES", "1000"))
SOURCE = f"fuzz-import-{uuid.uuid4().hex[:8]}"
TALLY = {"files": 0, "refused": 0, "rows": 0, "accepted": 0, "rejected": 0, "batches": []}

cells = st.one_of(fz.scalars.filter(lambda v: not isinstance(v, int) or abs(v) < 10 ** 15),
                  st.sampled_from(["客户编号", "姓名", "身份证号", "手机号", "external_id", "name",
                                   "phones", "address.city", "$gt", "13812348000"]))
tables = st.lists(st.lists(cells, max_size=6), max_size=6)


def _csv(rows, delimiter, encoding) -> bytes:
    return "\r\n".join(delimiter.join(str(c) for c in r) for r in rows).encode(encoding, "replace")


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append([c if not isinstance(c, str) else ILLEGAL_CHARACTERS_RE.sub(
            "", c.encode("utf-8", "ignore").decode("utf-8")) for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


files = st.one_of(
    st.tuples(st.just("csv"), st.builds(_csv, tables, st.sampled_from([",", ";", "\t"]),
                                        st.sampled_from(["utf-8", "gb18030"]))),
    st.tuples(st.sampled_from(["json", "jsonl"]), st.builds(fz.encode, fz.intake_values)),
    st.tuples(st.sampled_from(sorted(ADAPTER_CLASSES)), fz.random_bytes),
    st.tuples(st.just("xlsx"), st.builds(_xlsx, st.lists(st.lists(
        st.one_of(st.none(), st.integers(-10 ** 12, 10 ** 12), st.text(max_size=20),
                  st.sampled_from(["客户编号", "姓名", "手机号", "13812348000"])),
        max_size=5), max_size=5))))


@pytest.fixture(scope="module")
def proxy(stack):
    with stack.rpc(timeout=60) as rpc:
        yield rpc


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(files, st.sampled_from(["auto", *BUILTIN_PROFILES]))
def test_random_files_import_as_counted_batches(proxy, file, profile):
    kind, data = file
    try:
        rows = list(ADAPTER_CLASSES[kind]().parse(data, profile))
    except ValueError as err:   # the one refusal an adapter may give
        assert str(err).strip()
        TALLY["refused"] += 1
        return
    chunk = []
    for number, record in rows:   # what `crm import` sends (run_import)
        if isinstance(record, dict):
            record = {**record, "source": SOURCE}
            if isinstance(record.get("external_id"), str) and record["external_id"].strip():
                record["external_id"] = uuid.uuid4().hex   # unique: the record count is exact
        chunk.append((number, record))
    assume(fz.known_bug([r for _, r in chunk]) is None)   # open bugs: see test_fuzz_pure.py
    batch_id = proxy.ingestion.start_import(SOURCE, "fuzz", f"fuzz.{kind}")
    counts = proxy.ingestion.import_rows(batch_id, chunk, True)
    assert counts["received"] == len(chunk)
    assert counts["accepted"] + counts["rejected"] + counts["unchanged"] == len(chunk)
    assert counts["unchanged"] == 0
    batch = proxy.ingestion.imports_show(batch_id)
    assert batch["status"] == "finished"
    assert {k: batch[k] for k in counts} == counts
    TALLY["files"] += 1
    TALLY["rows"] += len(chunk)
    TALLY["accepted"] += counts["accepted"]
    TALLY["rejected"] += counts["rejected"]
    TALLY["batches"].append(batch_id)


def test_import_counts_match_the_stores(stack):
    assert TALLY["files"] + TALLY["refused"] >= EXAMPLES, TALLY
    rejects = [r for chunk in h.in_chunks(TALLY["batches"], 16)
               for r in h.db(stack)["rejects"].find({"batch_id": {"$in": chunk}},
                                                    {"_id": 1, "reason": 1, "errors": 1})]
    stored = h.count_records(stack, SOURCE)
    print(f"\nfuzz import: files {TALLY['files']} (refused by adapter {TALLY['refused']}), "
          f"rows {TALLY['rows']}, accepted {stored}, rejected {len(rejects)}")
    try:
        assert stored == TALLY["accepted"] and len(rejects) == TALLY["rejected"]
        assert stored + len(rejects) == TALLY["rows"]
        assert all(r["reason"].strip() and r["errors"] for r in rejects)
    finally:
        h.discard_rejects(stack, [r["_id"] for r in rejects])

"""An import chunk run twice (its worker died after the commit and before the reply,
so the RPC was delivered again, or the caller sent it again) answers as the first run
did: the batch's counts, its rejects and its records are those of one run."""
from __future__ import annotations

import uuid

import pytest

from tests.fuzz.helpers import db

pytestmark = pytest.mark.integration


def test_an_import_chunk_sent_twice_counts_and_keeps_its_rejects_once(stack):
    source = f"repeat-{uuid.uuid4().hex[:8]}"
    rows = [[1, {"source": source, "external_id": "r-1", "name": "王芳",
                 "phones": ["13812348001"]}],
            [2, {"source": source, "name": "no id"}],
            [3, "row 3: 2 cells, 5 expected"]]
    with stack.rpc(timeout=60) as rpc:
        batch_id = rpc.ingestion.start_import(source, "repeat-test", "repeat.csv")
        first = rpc.ingestion.import_rows(batch_id, rows, False)
        again = rpc.ingestion.import_rows(batch_id, rows, True)
        batch = rpc.ingestion.imports_show(batch_id)
    assert (first["accepted"], first["rejected"]) == (1, 2) and again == first
    assert {k: batch[k] for k in ("received", "accepted", "rejected", "unchanged")} == {
        "received": 3, "accepted": 1, "rejected": 2, "unchanged": 0}
    assert batch["status"] == "finished"  # the repeat carried the last chunk's flag
    assert db(stack)["rejects"].count_documents({"batch_id": batch_id}) == 2
    assert db(stack)["records"].count_documents({"source": source}) == 1

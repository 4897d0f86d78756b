"""An import batch's counts by reason and field, and the keys a re-import clears."""
from ingestion.import_book import (accepted_keys, answered_ids, batch_increments, flatten,
                                   import_counts, merge_counts)

RESULTS = [
    {"status": "created", "record_id": "s:E-1", "quality": ["phones: invalid_phone",
                                                            "financials.as_of: invalid_date"]},
    {"status": "unchanged", "record_id": "s:E-2", "quality": []},
    {"status": "rejected", "reason": "missing_key", "errors": ["x"]},
    {"status": "updated", "record_id": "s:a:b", "quality": ["phones: invalid_phone"]},
]


def test_counts_by_reason_and_by_field():
    counts = import_counts(RESULTS)
    assert (counts["received"], counts["accepted"], counts["unchanged"], counts["rejected"]) == \
        (4, 2, 1, 1)
    assert counts["reasons"] == {"missing_key": 1}
    assert counts["quality"] == {"phones": 2, "financials.as_of": 1}
    total = merge_counts(merge_counts({}, counts), counts)
    assert total["received"] == 8 and total["quality"]["phones"] == 4


def test_batch_document_nests_field_paths_and_reads_back_flat():
    inc = batch_increments(import_counts(RESULTS))
    assert inc["quality.financials.as_of"] == 1 and inc["reasons.missing_key"] == 1
    stored = {"financials": {"as_of": 1}, "phones": 2}  # what $inc made of the dotted keys
    assert flatten(stored) == {"financials.as_of": 1, "phones": 2}


def test_accepted_keys_come_from_the_record_ids_of_accepted_rows():
    raws = [{"source": "s"}, {"source": "s"}, {"source": "s"}, {"source": "s"}]
    assert accepted_keys(raws, RESULTS) == {"s": {"E-1", "E-2", "a:b"}}
    assert accepted_keys(["unreadable"], [{"status": "created", "record_id": "s:x"}]) == {}


def test_only_accepted_rows_answer_the_rejects_they_name():
    oid = "65a1f0c2e4b0a1b2c3d4e5f6"
    answers = {"2": oid, "4": "65a1f0c2e4b0a1b2c3d4e5f7", "5": "not-an-id"}
    ids = answered_ids([2, 3, 4, 5], RESULTS, answers)
    assert [str(i) for i in ids] == [oid]  # row 4 was rejected, row 5's id is not one

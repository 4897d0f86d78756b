"""`$in` reads in chunks (pure: the chunking; the reads are exercised by every service's
integration tests against the real database)."""
from common.mongo import IN_CHUNK, in_chunks


def test_chunks_hold_every_distinct_id_once_in_order():
    ids = [f"c{i:03d}" for i in range(40)] * 2
    chunks = list(in_chunks(ids))
    assert [i for chunk in chunks for i in chunk] == sorted(set(ids))
    assert [len(c) for c in chunks] == [IN_CHUNK, IN_CHUNK, 40 - 2 * IN_CHUNK]


def test_no_ids_no_query():
    assert list(in_chunks([])) == []

"""`$in` reads in chunks and insert-or-replace writes (pure: the chunking and the
write operations; the reads and writes are exercised by every service's integration
tests against the real database)."""
from common import mongo
from common.mongo import IN_CHUNK, in_chunks


def test_chunks_hold_every_distinct_id_once_in_order():
    ids = [f"c{i:03d}" for i in range(40)] * 2
    chunks = list(in_chunks(ids))
    assert [i for chunk in chunks for i in chunk] == sorted(set(ids))
    assert [len(c) for c in chunks] == [IN_CHUNK, IN_CHUNK, 40 - 2 * IN_CHUNK]


def test_no_ids_no_query():
    assert list(in_chunks([])) == []


def test_documents_the_read_did_not_find_are_inserted_first_the_others_replaced():
    ops = mongo.insert_or_replace([{"_id": "a", "v": 1}, {"_id": "b", "v": 2},
                                   {"_id": "c", "v": 3}], known=["b"])
    assert [type(op).__name__ for op in ops] == ["InsertOne", "InsertOne", "ReplaceOne"]
    assert [op._doc["_id"] for op in ops] == ["a", "c", "b"]
    assert ops[2]._filter == {"_id": "b"} and ops[2]._upsert is False


def test_nothing_read_upserts_every_document():
    ops = mongo.insert_or_replace([{"_id": "a"}, {"_id": "b"}], known=None)
    assert all(type(op).__name__ == "ReplaceOne" and op._upsert for op in ops)
    assert mongo.insert_or_replace([], known=[]) == []

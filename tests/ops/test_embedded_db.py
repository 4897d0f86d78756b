"""The local stack's SecantusDB reads its index catalog once per storage command
(tools/stack/embedded_db.py): cheaper writes, and the same answers as a fresh read.

The memo's risk is a stale catalog: an index created, dropped or flagged multikey by one
connection (a thread of the server) and not seen by another's next command. The tests
below fail if the memo outlived its command or missed a catalog write, and the first two
if there were no memo at all."""
from __future__ import annotations

import threading

import pytest
from pymongo import MongoClient
from pymongo.errors import DuplicateKeyError
from secantus.storage import Storage

from tools.stack.embedded_db import install


class _Counting(Storage):
    """SecantusDB's storage, counting the catalog reads that reach WiredTiger."""

    catalog_reads = 0

    def _iter_indexes(self, db, coll):
        type(self).catalog_reads += 1
        return super()._iter_indexes(db, coll)


class _Memoized(_Counting):
    pass


install(_Memoized)


@pytest.fixture
def storage(tmp_path):
    store = _Memoized(str(tmp_path), enable_oplog=False)
    store.create_index("db", "c", "a_1", {"a": 1}, {})
    store.create_index("db", "c", "b_1", {"b": 1}, {"unique": True})
    yield store
    store.close()


def _reads_during(store: _Counting, command) -> int:
    type(store).catalog_reads = 0
    command()
    return type(store).catalog_reads


def _on_another_connection(command) -> None:
    """Run a command the way the server runs another client's: on its own thread."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            command()
        except BaseException as error:  # re-raised on the caller's thread
            failures.append(error)
    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    assert not failures, failures


def _ids(store: Storage, query: dict) -> set:
    return {doc["_id"] for doc in store.find_matching("db", "c", query)}


def test_a_write_command_reads_the_catalog_once_not_per_document(storage):
    docs = [{"_id": i, "a": i % 7, "b": i} for i in range(300)]
    assert _reads_during(storage, lambda: storage.insert("db", "c", docs)) == 1
    update = {"$set": {"x": 1}}
    assert _reads_during(
        storage, lambda: storage.update_matching("db", "c", {"a": 3}, update, multi=True)) == 1


def test_an_index_flagged_multikey_mid_command_is_read_again(storage):
    docs = [{"_id": 1, "a": 1, "b": 1}, {"_id": 2, "a": [2, 3], "b": 2}, {"_id": 3, "a": 4, "b": 3}]
    assert _reads_during(storage, lambda: storage.insert("db", "c", docs)) == 2
    assert storage.index_is_multikey("db", "c", "a_1")


def test_a_multikey_flag_set_by_another_connection_is_seen_by_the_next_command(storage):
    storage.insert("db", "c", [{"_id": i, "a": i, "b": i} for i in range(20)])
    assert not storage.index_is_multikey("db", "c", "a_1")
    assert _ids(storage, {"a": 5}) == {5}
    array = {"_id": "arr", "a": [5, 6], "b": -1}
    _on_another_connection(lambda: storage.insert("db", "c", [array]))
    assert _ids(storage, {"a": 5}) == {5, "arr"}  # a read command takes a fresh snapshot
    assert storage.index_is_multikey("db", "c", "a_1")
    assert _ids(storage, {"a": 6}) == {6, "arr"}


def test_indexes_created_and_dropped_by_another_connection_are_honoured(storage):
    storage.insert("db", "c", [{"_id": i, "a": i, "b": i, "u": i} for i in range(10)])
    unique_u = lambda: storage.create_index("db", "c", "u_1", {"u": 1}, {"unique": True})  # noqa: E731
    _on_another_connection(unique_u)
    _, errors = storage.insert("db", "c", [{"_id": 10, "b": 10, "u": 3}])
    assert errors, "a unique index created after the documents must be enforced"
    _on_another_connection(lambda: storage.drop_index("db", "c", "u_1"))
    _, errors = storage.insert("db", "c", [{"_id": 11, "b": 11, "u": 3}])
    assert not errors, errors
    storage.delete_matching("db", "c", {"_id": 11})
    _on_another_connection(unique_u)
    _, errors = storage.insert("db", "c", [{"_id": 12, "b": 12, "u": 4}])
    assert errors, "a unique index dropped and created again must be enforced"


@pytest.mark.integration
def test_every_local_database_runs_with_the_memo_and_answers_as_mongodb(stack):
    uris = stack.mongo_uris()
    logs = sorted((stack.base / "logs").glob("mongo-*.log"))
    assert len(logs) == len(uris), (logs, uris)  # one log per database server
    for log in logs:
        assert "index catalog read once per command" in log.read_text(), log
    for uri in uris:
        with MongoClient(uri) as client:
            probe = client["crm_ops_probe"]["catalog"]
            probe.insert_many([{"_id": i, "tags": "t", "u": i} for i in range(5)])
            probe.create_index("tags")
            probe.create_index("u", unique=True)
            probe.insert_one({"_id": 10, "tags": ["x", "y"], "u": 10})
            assert [doc["_id"] for doc in probe.find({"tags": "x"})] == [10], uri
            with pytest.raises(DuplicateKeyError):
                probe.insert_one({"_id": 11, "u": 3})
            client.drop_database("crm_ops_probe")

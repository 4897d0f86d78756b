"""The local stack's SecantusDB servers run standalone: no oplog, which nothing here reads
(no change stream, no replication) and which cost each database process about an eighth
of its CPU (docs/benchmarks.md, session 25). The services' units of work depend on
transactions, which SecantusDB keeps on a standalone: checked here on every server the
stack started, so a SecantusDB release that dropped them would fail this test rather
than half-commit batches."""
from __future__ import annotations

import pytest
from pymongo import MongoClient

pytestmark = pytest.mark.integration


class _Abort(Exception):
    pass


def _servers(stack) -> list[str]:
    uris = stack.mongo_uris()
    assert len(uris) > 1, uris  # one server per service
    return uris


def test_every_local_database_keeps_no_oplog(stack):
    for uri in _servers(stack):
        with MongoClient(uri) as client:
            hello = client.admin.command("hello")
            assert "setName" not in hello, (uri, hello)
            assert "oplog.rs" not in client["local"].list_collection_names(), uri


def test_a_failed_transaction_leaves_nothing_on_every_local_database(stack):
    for uri in _servers(stack):
        with MongoClient(uri) as client:
            probe = client["crm_ops_probe"]["standalone_txn"]
            probe.delete_many({})

            def work(session) -> None:
                probe.insert_one({"_id": "kept-only-if-committed"}, session=session)
                raise _Abort

            with client.start_session() as session, pytest.raises(_Abort):
                session.with_transaction(work)
            assert probe.count_documents({}) == 0, uri
            with client.start_session() as session:
                session.with_transaction(lambda s: probe.insert_one({"_id": 1}, session=s))
            assert probe.count_documents({}) == 1, uri
            client.drop_database("crm_ops_probe")

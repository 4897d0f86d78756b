"""erasure.request_erasures: a message's erasure requests as one unit of work.

Pure: the transaction, the rejects and the event outbox are in-memory fakes.
"""
from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from common.events import Outbox
from common.pii import Protector
from ingestion import erasure
from ingestion.dependencies import IntakePipeline
from ingestion.plugins.normalizers import BUILTIN_NORMALIZERS

PIPELINE = IntakePipeline(list(BUILTIN_NORMALIZERS),
                          Protector(Fernet.generate_key().decode(), "unit-erase-key"))
VALID = {"source": "crm", "external_id": "c-1", "requested_by": "privacy-desk"}


class Rows:
    def __init__(self, fail: bool = False) -> None:
        self.rows: dict = {}
        self.fail = fail

    def find(self, query, projection=None, session=None):
        wanted = set(query["event_ids"]["$in"])
        return [r for r in self.rows.values() if wanted & set(r.get("event_ids", ()))]

    def insert_many(self, rows, ordered=True, session=None):
        assert session == "session"
        if self.fail:
            raise ConnectionError("database away")
        self.rows.update({row["_id"]: row for row in rows})

    def insert_one(self, row, session=None):
        self.insert_many([row], session=session)

    def update_many(self, *args, **kwargs):
        pass

    name = "outbox"

    @property
    def database(self) -> dict:
        """The passes' keys documents beside them (common.outbox_store)."""
        return {"outbox_keys": self.__dict__.setdefault("_keys", type(self)())}


@pytest.fixture
def unit(monkeypatch):
    monkeypatch.setattr(erasure, "in_transaction", lambda db, work: work("session"))
    sent: list = []
    store = type("Store", (), {"db": None, "rejects": Rows()})()
    return store, Outbox(Rows(), lambda t, body: sent.append(body)), sent


def test_valid_and_invalid_requests_commit_together_and_publish_after(unit):
    store, outbox, sent = unit
    results = erasure.request_erasures(store, outbox, PIPELINE,
                                       [VALID, {"source": "crm"}, "not an object"])
    assert [r["status"] for r in results] == ["requested", "rejected", "rejected"]
    assert results[0]["record_id"] == "crm:c-1" and "requested_by" not in results[0]
    assert [r["reason"] for r in store.rejects.rows.values()] == [
        "invalid_erasure_request", "not_an_object"]
    assert {results[1]["reject_id"], results[2]["reject_id"]} == \
        {str(i) for i in store.rejects.rows}
    assert all(row["channel"] == "erase" and row["raw"] for row in store.rejects.rows.values())
    assert [e["event_id"] for e in sent] == [results[0]["event_id"]]


def test_a_failed_unit_of_work_publishes_nothing(unit):
    """The transaction undoes the staged events (here: not rolled back, only not sent);
    the message is handled again in full."""
    store, outbox, sent = unit
    store.rejects.fail = True
    with pytest.raises(ConnectionError):
        erasure.request_erasures(store, outbox, PIPELINE, [VALID, {"source": "crm"}])
    assert sent == []


def test_a_replay_keeps_no_new_reject(unit):
    store, outbox, sent = unit
    [result] = erasure.request_erasures(store, outbox, PIPELINE, [{"source": "crm"}],
                                        replay=True)
    assert result["status"] == "rejected" and "reject_id" not in result
    assert store.rejects.rows == {} and sent == []

"""refused.py: inputs refused before the pipeline, kept as rejects in the batch's commit.

Pure: the records read is replaced by a dict and the rejects collection by a list.
"""
from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from common.pii import Protector
from ingestion import refused
from ingestion.dependencies import IntakePipeline
from ingestion.domain.erasure import ERASED_REASON
from ingestion.plugins.normalizers import BUILTIN_NORMALIZERS
from ingestion.redelivery import Origin

PIPELINE = IntakePipeline(list(BUILTIN_NORMALIZERS),
                          Protector(Fernet.generate_key().decode(), "unit-refused-key"))


class Rejects:
    def __init__(self) -> None:
        self.calls: list = []

    def insert_many(self, rows, ordered=True, session=None):
        self.calls.append((list(rows), session))


class Store:
    def __init__(self) -> None:
        self.records, self.rejects = object(), Rejects()


@pytest.fixture
def store(monkeypatch):
    stored = {("s", "gone"): {"_id": 1, "version": 2, "erased": True}}
    monkeypatch.setattr(refused, "record_states",
                        lambda records, keys, session: {k: stored[k] for k in keys
                                                        if k in stored})
    return Store()


def test_every_refused_input_is_one_reject_written_in_the_callers_session(store):
    inputs = [("source_not_allowed", ["may not write s"], {"source": "s", "external_id": "a",
                                                           "name": "王芳"}, Origin()),
              ("undecodable", ["not JSON"], "\udcff{garbage", Origin()),
              ("unauthenticated", ["no user_id"], [1, 2], Origin())]
    docs = refused.insert_refused(store, PIPELINE, "amqp", inputs, "the-session")
    ((written, session),) = store.rejects.calls
    assert session == "the-session" and written == docs
    assert [d["reason"] for d in docs] == ["source_not_allowed", "undecodable",
                                           "unauthenticated"]
    assert [(d["source"], d["external_id"]) for d in docs] == [("s", "a"), (None, None),
                                                               (None, None)]
    assert all(d["channel"] == "amqp" and d["raw"] and d["status"] == "open" for d in docs)
    assert "王芳" not in docs[0]["excerpt"] and "王芳" not in docs[0]["raw"]


def test_a_refused_input_naming_an_erased_key_keeps_nothing_but_its_key(store):
    (doc,) = refused.insert_refused(store, PIPELINE, "amqp", [
        ("source_not_allowed", ["may not write s"], {"source": "s", "external_id": "gone",
                                                     "name": "王芳"}, Origin())], None)
    assert (doc["reason"], doc["raw"], doc["excerpt"]) == (ERASED_REASON, None, "")
    assert (doc["source"], doc["external_id"]) == ("s", "gone")


def test_nothing_refused_writes_nothing(store):
    assert refused.insert_refused(store, PIPELINE, "amqp", [], None) == []
    assert store.rejects.calls == []

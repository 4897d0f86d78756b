"""Tiering's history against the real database: one document per customer and unit of
work holding its moves, read and sealed like the one-move rows of earlier versions."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tiering.domain.erasure import SEALED_TEXT
from tiering.domain.evaluate import Change
from tiering.storage import TieringStore

from tests.support import scratch_database

pytestmark = pytest.mark.integration
DB = "crm_tiering_history_test"


@pytest.fixture
def store(stack):
    with scratch_database(stack, "tiering", DB) as db:
        store = TieringStore(db)
        store.ensure_indexes()
        yield store


FIRST = [Change("star", None, "3", "new", "assets 60000 >= 50000", "v1+a"),
         Change("service_band", None, "staff", "new", "assets 60000", "v1+b"),
         Change("intent", None, "D", "new", "nothing recorded", "v1+c")]


def test_a_customers_moves_of_one_unit_of_work_are_one_document(store):
    store.save_many([("C1", "BJ", [], FIRST, "evt-1", None)])
    rows = list(store.history.find({"customer_id": "C1"}))
    assert len(rows) == 1 and [m["scheme"] for m in rows[0]["moves"]] == \
        ["star", "service_band", "intent"]
    assert (rows[0]["cause"], rows[0]["branch"]) == ("evt-1", "BJ")


def test_explain_and_the_counts_read_both_shapes_per_move(store):
    before = datetime.now(timezone.utc) - timedelta(minutes=1)
    store.history.insert_one({"customer_id": "C1", "scheme": "star", "previous": "3",
                              "current": "4", "direction": "up", "reason": "older row",
                              "rules_version": "v0", "cause": "evt-0", "branch": "BJ",
                              "at": before})
    store.save_many([("C1", "BJ", [], FIRST, "evt-1", None)])
    explained = store.explain("C1")["history"]
    assert [(h["scheme"], h["direction"], h["cause"]) for h in explained] == [
        ("star", "up", "evt-0"), ("star", "new", "evt-1"), ("service_band", "new", "evt-1"),
        ("intent", "new", "evt-1")]
    assert explained[1]["reason"] == "assets 60000 >= 50000"
    counts = {(m["scheme"], m["direction"]): m["count"] for m in store.moves(before)}
    assert counts == {("star", "up"): 1, ("star", "new"): 1, ("service_band", "new"): 1,
                      ("intent", "new"): 1}
    by_branch = store.moves_by_branch(before)
    assert sum(m["count"] for m in by_branch) == 4 and {m["branch"] for m in by_branch} == {"BJ"}


def test_sealing_strips_every_moves_reason_in_both_shapes_once(store):
    store.history.insert_one({"customer_id": "C1", "scheme": "star", "direction": "up",
                              "reason": "older row quoting figures", "cause": "evt-0",
                              "at": datetime.now(timezone.utc)})
    store.save_many([("C1", "BJ", [], FIRST, "evt-1", None)])
    assert store.seal_history(["C1"]) == 2
    assert store.seal_history(["C1"]) == 0
    reasons = [h["reason"] for h in store.explain("C1")["history"]]
    assert reasons == [SEALED_TEXT] * 4


def test_an_older_replicas_seal_and_counts_work_on_the_new_documents(store):
    """During a rolling upgrade an older replica may handle an erasure (it sets the
    top-level `reason`) or count moves (one per document, by the top-level scheme)."""
    store.save_many([("C1", "BJ", [], FIRST, "evt-1", None)])
    doc = store.history.find_one({"customer_id": "C1"})
    assert (doc["scheme"], doc["direction"]) == ("star", "new")
    assert doc["reason"] == [c.reason for c in FIRST]
    assert not any("reason" in move for move in doc["moves"])
    store.history.update_many({"customer_id": {"$in": ["C1"]}, "sealed": {"$ne": True}},
                              {"$set": {"reason": SEALED_TEXT, "sealed": True}})
    assert "60000" not in str(store.history.find_one({"customer_id": "C1"}))
    assert [h["reason"] for h in store.explain("C1")["history"]] == [SEALED_TEXT] * 3

"""handlers.recompute_page: one page of the pool re-tiered as one unit of work.

Pure: the transaction runs the work in memory, the store's page and writes are
recorders, the outbox's collection a dict; nothing touches a broker or a database.
"""
from __future__ import annotations

from datetime import date
from importlib import resources

import pytest
import yaml

from common.events import Outbox
from contracts import names
from tiering import handlers
from tiering.dependencies import Ruleset
from tiering.domain.evaluate import evaluate
from tiering.domain.snapshot import customer_of
from tiering.plugins.schemes import IntentScheme, ServiceBandScheme, StarScheme

TODAY = date(2026, 11, 15)
RULES = yaml.safe_load(resources.files("tiering").joinpath("rules.yaml").read_text("utf-8"))
SCHEMES = {"star": StarScheme(), "service_band": ServiceBandScheme(), "intent": IntentScheme()}
RULESET = Ruleset(SCHEMES, RULES, {}, seq=7)


def snapshot(customer_id: str, assets: str) -> dict:
    return {"_id": customer_id, "branch": "BJ001", "birth_date": "1980-01-01", "revision": 2,
            "financials": {"avg_daily_assets": assets, "has_relationship": True},
            "intent": {"willingness": "high", "potential": "high"},
            "display": {"name": "王*", "phone": "138****8000", "email": None}}


def tiers_of(row: dict) -> dict:
    records, _ = evaluate(customer_of(row), SCHEMES, RULES, {}, TODAY, None)
    return {r.scheme: {"tier": r.tier, "below_count": r.below_count} for r in records}


class Passes:
    def __init__(self) -> None:
        self.rows: dict = {}

    def find(self, query, projection=None, session=None):
        return []

    def insert_many(self, rows, session=None):
        for row in rows:
            self.rows[row["_id"]] = {**row, "session": session}

    def update_many(self, *args, **kwargs):
        pass

    name = "outbox"

    @property
    def database(self) -> dict:
        """The passes' keys documents beside them (common.outbox_store)."""
        return {"outbox_keys": self.__dict__.setdefault("_keys", type(self)())}


class Store:
    def __init__(self, rows: list[dict], recorded: dict) -> None:
        self.db, self.rows, self.recorded, self.saved = object(), rows, recorded, []

    def page(self, branch, start, end, session=None):
        assert (branch, start, end) == ("BJ001", 0, 64)
        return self.rows, self.recorded

    def save_many(self, items, session=None):
        self.saved.append(([(i[0], [c.scheme for c in i[3]]) for i in items], session))
        return sum(1 for i in items if i[3])


@pytest.fixture
def sent():
    return []


@pytest.fixture
def outbox(sent):
    return Outbox(Passes(), lambda event_type, body: sent.append((event_type, body)))


def test_a_page_commits_its_tiers_and_events_together_and_announces_only_moves(
        monkeypatch, outbox, sent):
    attempts = []

    def twice(db, work):  # a write conflict: the transaction runs the work again
        attempts.append(work("first attempt"))
        return work("session")
    monkeypatch.setattr(handlers, "in_transaction", twice)
    moved, kept = snapshot("C1", "350000.00"), snapshot("C2", "350000.00")
    store = Store([moved, kept], {"C1": tiers_of(snapshot("C1", "100000.00")),
                                  "C2": tiers_of(kept)})
    done = handlers.recompute_page(store, outbox, RULESET, SCHEMES, "BJ001", 0, 64, TODAY)
    assert len(attempts) == 1 and store.saved[-1][1] == "session"
    (saved, _) = store.saved[-1]
    assert [customer for customer, _ in saved] == ["C1", "C2"] and saved[1][1] == []
    assert "star" in saved[0][1]
    assert {body["customer_id"] for _, body in sent} == {"C1"}
    assert {t for t, _ in sent} == {names.TIER_CHANGED}
    star = next(body for _, body in sent if body["scheme"] == "star")
    assert (star["previous"], star["current"], star["direction"]) == ("3", "4", "up")
    assert len(sent) == len(saved[0][1]) == done["changes"]
    assert done == {"processed": 2, "changes": len(sent), "written": 1}
    (published_pass,) = [p for p in outbox.collection.rows.values()
                         if p["session"] == "session"]
    assert sorted(e["_id"] for e in published_pass["events"]) == \
        sorted(b["event_id"] for _, b in sent)


def test_nothing_is_sent_when_the_commit_fails(monkeypatch, outbox, sent):
    def failing(db, work):
        work("session")
        raise RuntimeError("write conflict, retries exhausted")
    monkeypatch.setattr(handlers, "in_transaction", failing)
    store = Store([snapshot("C1", "350000.00")],
                  {"C1": tiers_of(snapshot("C1", "100000.00"))})
    with pytest.raises(RuntimeError):
        handlers.recompute_page(store, outbox, RULESET, SCHEMES, "BJ001", 0, 64, TODAY)
    assert sent == []

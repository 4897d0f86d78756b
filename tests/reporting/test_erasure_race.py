"""An erasure committing beside a batch of facts about the same customer, against the
real database. The two write different documents, so neither transaction sees the
other: the batch's read finds no tombstone, the erasure's read finds no new facts.
Whichever commits last must turn the facts away, or the person's facts stay under
their real id after the erasure (and a redelivered erasure finds its tombstone and
does nothing). Each test forces one order by handing one side a read taken before
the other side's commit."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from reporting import handlers

pytestmark = pytest.mark.integration

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=timezone.utc)
ERASED = {"event_id": "er-race", "customer_id": "C1",
          "erased_at": "2026-12-03T08:00:00+00:00"}


def fact(n: int) -> dict:
    return {"_id": f"f{n}", "kind": "tier", "customer_id": "C1", "at": NOW,
            "scheme": "star", "direction": "up", "current": "3", "branch": "B1"}


def under_real_id(store) -> list[str]:
    return [f["_id"] for f in store.facts.find({"customer_id": "C1"})]


def test_facts_whose_read_missed_the_tombstone_are_turned_away_after_their_commit(
        store, monkeypatch):
    handlers.record(store, [fact(1)], NOW)
    assert handlers.erase(store, ERASED, ["C1"], NOW, NOW) == 1
    stale = store.erased.find  # the batch read the tombstones before the erasure's commit
    monkeypatch.setattr(store.erased, "find", lambda *a, **k: iter(())
                        if k.get("session") is not None else stale(*a, **k), raising=False)
    handlers.record(store, [fact(2)], NOW)
    assert under_real_id(store) == []
    assert store.facts.count_documents({}) == 2  # the re-keyed fact and the exit fact


def test_facts_the_erasures_read_missed_are_turned_away_after_its_commit(store, monkeypatch):
    handlers.record(store, [fact(1)], NOW)
    seen = store.facts_of
    # the erasure read the facts before the batch's commit: fact 2 was not there yet
    monkeypatch.setattr(store, "facts_of", lambda ids, session=None: [
        f for f in seen(ids, session) if f["_id"] != "f2"])
    handlers.record(store, [fact(2)], NOW)
    handlers.erase(store, ERASED, ["C1"], NOW, NOW)
    assert under_real_id(store) == []
    kept = list(store.facts.find())  # fact 1 re-keyed and the exit fact, anonymous
    assert len(kept) == 2 and all(f["customer_id"].startswith("anon-") for f in kept)

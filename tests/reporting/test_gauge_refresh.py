"""The gauges' refresh against the real database: moved by what was recorded since the
last refresh (links walked, late commits re-read, erasures re-keyed) it equals the
figures counted from every fact, and a refresh with nothing new reads no history."""
from __future__ import annotations

import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from pymongo.client_session import ClientSession

from reporting import handlers
from reporting.domain import erasure, kpi
from reporting.domain.periods import parse_period
from reporting.domain.timeline import groups

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "services/reporting/tests/unit"))
from test_kpi import B1, B2, population  # noqa: E402

pytestmark = pytest.mark.integration

Q4 = parse_period("2026Q4")
T0 = datetime(2026, 12, 2, 8, 0, tzinfo=timezone.utc)


def _refresh(store, minutes: int) -> list[dict]:
    """Refresh until the gauges count everything stamped before `minutes`: a refresh
    reads at most handlers.REFRESH_SPAN past its mark, and these clocks jump minutes."""
    now = T0 + timedelta(minutes=minutes)
    for _ in range(100):
        rows = handlers.refresh_gauges(store, Q4, now, kpi.Settings())
        state = store.gauge_state(Q4.label)
        if state["mark"] >= now and "count" not in state:
            return rows
    raise AssertionError("the gauges never caught up")


def test_refreshes_by_difference_equal_counting_every_fact(store):
    facts = population()
    assert _refresh(store, 0) == []  # first refresh: counted from every fact (none yet)
    for minute, start in enumerate(range(0, len(facts), 7), start=1):
        store.add(facts[start:start + 7], T0 + timedelta(minutes=minute, seconds=-1))
        rows = _refresh(store, minute)
    assert rows == kpi.compute(groups(store.everything()), Q4, "branch") == [B1, B2]
    assert store.links.count_documents({}) == 1  # C6 merged into C5 (C7's facts re-keyed)


def test_a_fact_committed_after_the_mark_is_still_counted(store):
    facts = population()
    _refresh(store, 0)
    store.add(facts[:-5], T0 + timedelta(minutes=1))
    _refresh(store, 2)
    store.add(facts[-5:], T0 + timedelta(minutes=1, seconds=50))  # stamped before the mark
    assert _refresh(store, 3) == [B1, B2]


def test_an_erasure_moves_the_person_to_an_anonymous_customer(store):
    facts = [f for f in population() if not f["customer_id"].startswith("anon-")]
    store.add(facts, T0)
    before = _refresh(store, 1)
    c1 = store.facts_of(["C1"])
    anon = erasure.anonymous_ids(["C1"])
    exit_fact = erasure.exit_fact(anon, "C1", {"event_id": "er-1",
                                               "erased_at": "2026-12-01T10:00:00+00:00"})
    store.replace_erased(["C1"], c1, [erasure.rekeyed(f, anon) for f in c1] + [exit_fact],
                         T0, T0 + timedelta(minutes=5))
    after = _refresh(store, 6)
    assert after == kpi.compute(groups(store.everything()), Q4, "branch")
    assert after != before  # C1 left maintenance when erased: B1 churned one more
    assert store.shares.count_documents({"_id": "C1"}) == 0


def test_a_lagging_refresh_catches_up_a_span_at_a_time(store):
    """Memory follows the pipeline's rate, not how long the refresh waited (paced), and a
    lagging refresh catches up: one span per tick never did, ticks being a span apart."""
    facts = population()
    handlers.refresh_gauges(store, Q4, T0, kpi.Settings())  # kept mark: T0
    chunks = [facts[at:at + 7] for at in range(0, len(facts), 7)]
    for number, chunk in enumerate(chunks, start=1):  # stamped two minutes apart
        store.add(chunk, T0 + timedelta(minutes=2 * number))
    now, watched = T0 + timedelta(minutes=2 * len(chunks) + 10), _Watched(store)
    rows = handlers.refresh_gauges(watched, Q4, now, kpi.Settings())
    assert store.gauge_state(Q4.label)["mark"] == now  # caught up in one refresh
    read = [found[0] for name, found in watched.results if name == "names_since"]
    assert len(read) == 2 * len(chunks) + 10  # one minute of the record per read
    assert read[0] == 0  # the first chunk is stamped two minutes past the mark
    assert max(read) <= 7  # never more than the one chunk stamped within a span
    assert rows == kpi.compute(groups(store.everything()), Q4, "branch") == [B1, B2]


def test_a_refresh_with_nothing_new_reads_no_history(store):
    store.add(population(), T0)
    _refresh(store, 1)
    watched = _Watched(store)
    assert _refresh(watched, 3) == [B1, B2]
    spans = [found for name, found in watched.results if name == "names_since"]
    assert spans and all(span == (0, set()) for span in spans)
    assert [name for name, _ in watched.results if name == "facts_of"] == []


def test_facts_kept_before_links_existed_are_linked_by_the_first_refresh(store):
    facts = population()
    store.add(facts[:-4], T0)
    store.links.delete_many({})  # a database from before the links (and the stamps)
    store.facts.update_many({}, {"$unset": {"recorded_at": ""}})
    _refresh(store, 1)
    assert [(d["_id"], d["into"]) for d in store.links.find()] == [("C6", "C5")]
    store.add(facts[-4:], T0 + timedelta(minutes=2))  # C6's removal after its merge
    assert _refresh(store, 3) == [B1, B2]


class _Watched:
    """The store, noting the session each history read ran in and what it returned;
    `meanwhile` runs once, during the reads (another replica's refresh between this
    one's reads and commit)."""

    def __init__(self, store, meanwhile=None):
        self.store, self.meanwhile, self.sessions, self.results = store, meanwhile, [], []

    def __getattr__(self, name):
        found = getattr(self.store, name)
        if name not in ("names_since", "links_around", "shares_of", "facts_of",
                        "facts_between"):
            return found

        def read(*args, **kwargs):
            session = kwargs.get("session") or next(
                (a for a in args if isinstance(a, ClientSession)), None)
            self.sessions.append((name, session))
            if self.meanwhile:
                self.meanwhile, run = None, self.meanwhile
                run()
            self.results.append((name, found(*args, **kwargs)))
            return self.results[-1][1]
        return read


def test_the_history_is_read_outside_the_refresh_transaction(store):
    """A read inside a long transaction keeps its snapshot open: on the embedded database
    each lookup then steps over every index entry written since, and the refresh slowed
    with the pool."""
    facts = population()
    store.add(facts[:-5], T0)
    watched = _Watched(store)
    _refresh(watched, 1)  # the first refresh reads every fact, a page at a time
    store.add(facts[-5:], T0 + timedelta(minutes=2))
    assert _refresh(watched, 3) == [B1, B2]
    names = {name for name, _ in watched.sessions}
    assert {"facts_between", "names_since", "links_around", "shares_of",
            "facts_of"} <= names
    assert [s for _, s in watched.sessions if s is not None] == []


def test_a_refresh_that_another_replica_overtook_leaves_the_others_figures(store):
    facts = population()
    store.add(facts[:-5], T0)
    _refresh(store, 1)
    store.add(facts[-5:], T0 + timedelta(minutes=2))
    other = []
    watched = _Watched(store, meanwhile=lambda: other.append(_refresh(store, 4)))
    rows = _refresh(watched, 3)
    assert rows == other[0] == [B1, B2]  # the other replica's totals, counted from all
    assert store.gauge_state(Q4.label)["mark"] == T0 + timedelta(minutes=4)


def test_the_lag_gauge_reads_the_kept_mark_of_the_current_quarter_at_each_scrape(
        store, monkeypatch):
    """Refreshes are paced: a lag they set themselves would stand still while they lag."""
    from common import clock
    from reporting import metrics

    def scraped() -> float:
        return metrics.BEHIND.collect()[0].samples[0].value

    monkeypatch.setattr(clock, "today", lambda: T0.date())
    monkeypatch.setattr(clock, "now", lambda: T0 + timedelta(minutes=30))
    assert scraped() == 0.0  # nothing counted yet: no mark
    handlers.refresh_gauges(store, Q4, T0, kpi.Settings())
    assert scraped() == 30 * 60
    handlers.refresh_gauges(store, Q4, T0 + timedelta(minutes=10), kpi.Settings())
    assert scraped() == 20 * 60  # read at the scrape: the mark of the last refresh
    monkeypatch.setattr(clock, "today", lambda: date(2027, 1, 1))
    assert scraped() == 0.0  # a new quarter: nothing kept for it yet


def test_a_quarter_is_first_counted_a_page_at_a_time_over_several_refreshes(
        store, monkeypatch):
    """Counting every fact at once made memory follow the pool (a quarter's first
    refresh, a report): each refresh now counts pages until it has read COUNT_FACTS
    facts, keeps its place, and the gauges are set once the count is complete."""
    facts = population()
    store.add(facts, T0)
    store.shares.insert_many([{"_id": "C1", "quarter": "2026Q3", "rows": []},
                              {"_id": "C-gone", "quarter": "2026Q3", "rows": []}])
    monkeypatch.setattr(handlers, "COUNT_FACTS", 1)
    watched, returned = _Watched(store), []
    for _ in range(40):
        returned.append(handlers.refresh_gauges(watched, Q4, T0 + timedelta(minutes=1),
                                                kpi.Settings()))
        if returned[-1] is not None:
            break
    assert returned[-1] == kpi.compute(groups(store.everything()), Q4, "branch") == [B1, B2]
    assert len(returned) >= 5 and returned[:-1] == [None] * (len(returned) - 1)
    pages = [len(found) for name, found in watched.results if name == "facts_between"]
    assert sum(pages) == len(facts) and max(pages) < len(facts) / 2
    assert {d["_id"]: d["quarter"] for d in store.shares.find()}.get("C-gone") is None
    assert store.shares.find_one({"_id": "C1"})["quarter"] == Q4.label
    assert store.gauge_state(Q4.label)["mark"] == T0 + timedelta(minutes=1)


def test_a_count_that_another_replica_overtook_leaves_the_others_totals(store, monkeypatch):
    store.add(population(), T0)
    monkeypatch.setattr(handlers, "COUNT_FACTS", 1)
    handlers.refresh_gauges(store, Q4, T0, kpi.Settings())  # the count's first page
    other = []
    watched = _Watched(store, meanwhile=lambda: other.append(_refresh(store, 1)))
    assert handlers.refresh_gauges(watched, Q4, T0, kpi.Settings()) is None  # overtaken
    assert other == [[B1, B2]]
    assert _refresh(store, 2) == [B1, B2]  # counted once: nothing added twice


def test_a_span_reads_the_histories_of_the_customers_it_names_a_chunk_at_a_time(
        store, monkeypatch):
    """A span of a bulk import names thousands of customers: their histories are read
    HISTORY_CHUNK customers at a time (a merge group whole), the span's own facts only
    for the ids they name, so memory follows a chunk, not the pipeline's rate."""
    facts = population()
    handlers.refresh_gauges(store, Q4, T0, kpi.Settings())
    store.add(facts, T0 + timedelta(seconds=30))
    monkeypatch.setattr(handlers, "HISTORY_CHUNK", 2)
    watched = _Watched(store)
    assert _refresh(watched, 1) == [B1, B2]
    named = set().union(*(found[1] for name, found in watched.results
                          if name == "names_since"))
    assert named == {f["customer_id"] for f in facts} | {
        i for f in facts for i in f.get("absorbed_ids") or ()}
    chunks = [{f["customer_id"] for f in found} for name, found in watched.results
              if name == "facts_of"]
    assert len(chunks) >= 4 and max(map(len, chunks)) <= 3  # C5 and C6 read together
    assert any({"C5", "C6"} <= chunk for chunk in chunks)


def test_a_refresh_ends_when_its_budget_is_spent_and_the_next_goes_on(store):
    """A refresh that counted lagging spans until caught up held the cores through a whole
    bulk import (pacing spaces refreshes by their duration, it cannot cut one short): now
    one stops after its budget, at least one span (page) counted, and the next goes on."""
    facts = population()
    store.add(facts[:7], T0)
    assert handlers.refresh_gauges(store, Q4, T0, kpi.Settings(), budget=0) is None
    pages = [store.gauge_state(Q4.label)["count"]["page"]]  # one page per refresh
    while "count" in store.gauge_state(Q4.label):
        handlers.refresh_gauges(store, Q4, T0, kpi.Settings(), budget=0)
        pages.append(store.gauge_state(Q4.label).get("count", {}).get("page"))
    assert pages[:3] == [1, 2, 3] and len(pages) > 3
    chunks = [facts[at:at + 7] for at in range(7, len(facts), 7)]
    for number, chunk in enumerate(chunks, start=1):  # stamped two minutes apart
        store.add(chunk, T0 + timedelta(minutes=2 * number))
    now, marks = T0 + timedelta(minutes=2 * len(chunks) + 10), []
    while not marks or marks[-1] < now:
        handlers.refresh_gauges(store, Q4, now, kpi.Settings(), budget=0)
        marks.append(store.gauge_state(Q4.label)["mark"])
    assert [m - T0 for m in marks[:2]] == [timedelta(minutes=1), timedelta(minutes=2)]
    assert len(marks) == 2 * len(chunks) + 10  # one span per refresh
    assert handlers.refresh_gauges(store, Q4, now, kpi.Settings()) == kpi.compute(
        groups(store.everything()), Q4, "branch") == [B1, B2]

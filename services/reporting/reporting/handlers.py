"""Reporting's use cases: record facts from events, erase a person, compute a report.

A closed period (its last day over) is computed once and kept: later questions get the
kept figures, so late data does not rewrite a quarter already reported; `recompute`
computes it again from the whole history (merges and erasures since included) and keeps
the new figures. An open period is always computed from the history as it stands.
"""
from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from typing import Any, Iterable, Mapping

from common.mongo import in_transaction

from . import history
from .domain import erasure, gauges, kpi, paging
from .domain.periods import Period
from .domain.timeline import groups
from .storage import ReportingStore


# a fact is stamped just before it is written (one insert; an erasure's short
# transaction): a refresh reads back this far before its last mark, so a write that
# became visible after the mark although stamped before it is still counted
LATE_COMMIT = timedelta(seconds=15)
# a refresh reads at most this much of the record at once, so its memory follows the
# pipeline's rate, not how long the last refresh waited: refreshes are paced by their
# own duration (common/pacing.py), and under a long list an unbounded window made the
# next one longer still (reporting's peak memory reached 190-610 MB in the 100,000-row
# list). A refresh that lags behind counts span after span until it has caught up (one
# span per tick never caught up: ticks come at least a span apart).
REFRESH_SPAN = timedelta(seconds=60)
# a quarter's first count reads about this many facts per refresh, then lets it end
COUNT_FACTS = 100_000
# a refresh that lags (or a first count) goes on past this many seconds of work only to
# finish the span (page) it is counting: refreshes are paced by their duration
# (common/pacing.py: 5 % of the wall clock), and one that ran until caught up held the
# cores through a whole bulk import, its memory rising with the import's rate
# (docs/benchmarks.md, session 26). The gauges lag meanwhile (the lag gauge shows it).
REFRESH_BUDGET = 15.0
# a refresh reads the histories of the customers a span names this many at a time
# (500 customers' facts decode to about 6 MB of Python objects)
HISTORY_CHUNK = 500


def record(store: ReportingStore, facts: Iterable[dict], now: datetime) -> int:
    """Keep the new facts -> how many; then turn away any of them whose customer an
    erasure committed beside this write (`turn_away_late`)."""
    facts = list(facts)
    added = store.add(facts, now)
    if added:
        store.turn_away_late({f["customer_id"] for f in facts}, now)
    return added


def erase(store: ReportingStore, event: Mapping[str, Any], ids: list[str],
          erased_at: datetime, now: datetime) -> int:
    """Re-key the person's facts to anonymous ids in one transaction; idempotent (a
    redelivery finds the tombstone and does nothing)."""
    def work(session: Any) -> int:
        if store.is_erased(event["customer_id"], session):
            return 0
        old = store.facts_of(ids, session)
        anon = erasure.anonymous_ids([event["customer_id"], *ids])
        new = [erasure.rekeyed(f, anon) for f in old]
        new.append(erasure.exit_fact(anon, event["customer_id"], event))
        store.replace_erased(ids, old, new, erased_at, now, session)
        return len(old)
    erased = in_transaction(store.db, work)
    store.turn_away_late([event["customer_id"], *ids], now)  # committed beside it
    return erased


def report(store: ReportingStore, period: Period, by: str, today: date, now: datetime,
           settings: kpi.Settings, recompute: bool = False) -> tuple[list[dict], bool]:
    """(rows, frozen): the figures of `period` per branch or maintainer, counted a page
    of the history at a time (history.py): the counts add up across customers."""
    key = f"{period.label}:{by}"
    if period.closed(today) and not recompute:
        kept = store.frozen(key)
        if kept is not None:
            return kept["rows"], True
    found: dict = {}
    for facts in history.pages(store):
        kpi.add_up(found, kpi.tallies(groups(facts), period, by, settings))
    rows = kpi.rows(found, by, settings)
    if period.closed(today):
        store.freeze(key, rows, now)
    return rows, period.closed(today)


def refresh_gauges(store: ReportingStore, quarter: Period, now: datetime,
                   settings: kpi.Settings, budget: float = REFRESH_BUDGET) -> list[dict] | None:
    """The current quarter's rows by branch, moved by what was recorded since the last
    refresh: the customers it names (and those merged with them) are counted again from
    their whole history, and the totals move by the difference. A quarter without kept
    totals (the first refresh, a new quarter) is counted from every fact first
    (`_count_quarter`); None until that count is complete.

    The history is read outside any transaction and only the writes commit in one: a
    read inside a transaction keeps its snapshot open, and the embedded database then
    steps over every index entry written since for each lookup, so the refresh slowed
    as the pool grew and held the batches' reads up behind it (docs/benchmarks.md,
    session 20). The commit checks that the kept state is still the one the reads
    started from; if another replica's refresh moved it meanwhile, its totals stand.
    A refresh that lags behind (the service was down, or paced during a bulk import)
    counts the record a REFRESH_SPAN at a time, each span committed, until caught up or
    `budget` seconds have gone (at least one span each time: the next refreshes go on)."""
    ends = time.monotonic() + budget
    state = store.gauge_state(quarter.label)
    if state is None or "count" in state:
        return _count_quarter(store, quarter, now, settings, state, ends)
    while True:  # a span at a time, each committed: memory follows a span, not the lag
        rows, done = _refresh_span(store, quarter, state, now, settings)
        if done or time.monotonic() >= ends:
            return rows
        state = store.gauge_state(quarter.label)


def _refresh_span(store: ReportingStore, quarter: Period, state: Mapping[str, Any],
                  now: datetime, settings: kpi.Settings) -> tuple[list[dict], bool]:
    """Count what was recorded in one span past the kept mark (up to `now` at most) ->
    (the rows, whether the refresh is done: caught up with `now`, or overtaken by
    another replica's refresh, whose totals stand)."""
    mark = min(now, state["mark"] + REFRESH_SPAN)
    write, drop, totals = _moved_since(store, quarter, state, settings,
                                       None if mark == now else mark)

    def commit(session: Any) -> tuple[list, bool]:
        kept = store.gauge_state(quarter.label, session)
        if kept is None or kept["mark"] != state["mark"] or "count" in kept:
            return (kept["totals"] if kept else []), True
        store.save_gauges(quarter.label, write, drop, totals, mark, session)
        return totals, mark == now
    totals, done = in_transaction(store.db, commit)
    return gauges.rows(totals, settings), done


def _count_quarter(store: ReportingStore, quarter: Period, now: datetime,
                   settings: kpi.Settings, state: dict | None,
                   ends: float) -> list[dict] | None:
    """Count the quarter from every fact, a page of whole merge groups at a time
    (history.py), each page's shares committed with the running totals and the next
    page to count (`count` in the kept state): memory follows a page, not the pool, a
    restart resumes where the count stood, and a tick ends after COUNT_FACTS facts or
    at `ends` (refreshes are paced by their duration). The mark is when the count began: the
    refreshes after it count again whatever was recorded meanwhile -> the rows once
    complete, else None."""
    if state is None:
        store.relink()
        state = _count_step(store, None, {
            "_id": quarter.label, "mark": now, "totals": [],
            "count": {"page": 0, "width": paging.width_for(store.fact_count())}}, {})
    read = 0
    while state is not None and read < COUNT_FACTS:
        at = state["count"]
        if at["page"] == paging.page_count(at["width"]):
            done = _count_step(store, at, {k: v for k, v in state.items() if k != "count"}, {})
            if done is not None:
                store.drop_shares_not_of(quarter.label)
            return None if done is None else gauges.rows(done["totals"], settings)
        facts = history.page(store, at["page"], at["width"])
        read += len(facts)
        state = _count_step(store, at, {**state, "count": {**at, "page": at["page"] + 1}},
                            gauges.shares(groups(facts), quarter, settings))
        if time.monotonic() >= ends:
            break
    return None


def _count_step(store: ReportingStore, at: dict | None, after: dict,
                shares: dict) -> dict | None:
    """Commit `after` (its totals moved by `shares`, in place of the kept ones) if the
    kept count still stands `at` (None: nothing kept) -> the state committed, or None
    when another replica's count moved first (its count goes on instead)."""
    def commit(session: Any) -> dict | None:
        kept = store.gauge_state(after["_id"], session)
        if (kept.get("count", "done") if kept else None) != at:
            return None
        replaced = store.replace_shares(after["_id"], shares, session)
        state = {**after, "totals": gauges.moved(after["totals"], replaced, shares.values())}
        store.put_gauge_state(state, session)
        return state
    return in_transaction(store.db, commit)


def _moved_since(store: ReportingStore, quarter: Period, state: Mapping[str, Any],
                 settings: kpi.Settings, until: datetime | None) -> tuple[dict, set, list]:
    """(shares to write, ids whose kept share goes, the new totals) from the facts
    recorded since the kept mark (and before `until`, the new mark, when it lags). The
    span's facts are streamed for the ids they name only, and those customers' histories
    HISTORY_CHUNK customers at a time (merge groups whole): memory follows a chunk, not
    the pipeline's rate (a span of a bulk import names thousands of customers)."""
    _, named = store.names_since(state["mark"] - LATE_COMMIT, until)
    group = paging.groups_of(store.links_around(named))
    ids = set(named) | set(group)
    old = store.shares_of(ids, quarter.label)
    found: dict = {}
    for chunk in paging.in_groups(ids, group, HISTORY_CHUNK):
        found.update(gauges.shares(groups(store.facts_of(chunk)), quarter, settings))
    write, drop = gauges.changes(old, found, ids)
    totals = gauges.moved(state["totals"], [old[c] for c in drop], write.values())
    return write, drop, totals

"""Reporting's use cases: record facts from events, erase a person, compute a report.

A closed period (its last day over) is computed once and kept: later questions get the
kept figures, so late data does not rewrite a quarter already reported; `recompute`
computes it again from the whole history (merges and erasures since included) and keeps
the new figures. An open period is always computed from the history as it stands.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Iterable, Mapping

from common.mongo import in_transaction

from .domain import erasure, gauges, kpi
from .domain.periods import Period
from .domain.timeline import groups
from .storage import ReportingStore


# a fact is stamped just before it is written (one insert; an erasure's short
# transaction): a refresh reads back this far before its last mark, so a write that
# became visible after the mark although stamped before it is still counted
LATE_COMMIT = timedelta(seconds=15)
# a refresh reads at most this much of the record past its mark, so its memory follows
# the pipeline's rate, not how long the last refresh waited: refreshes are paced by
# their own duration (common/pacing.py), and under a long list an unbounded window made
# the next one longer still (reporting's peak memory reached 190-610 MB in the
# 100,000-row list). A refresh that lags behind catches up a span per tick.
REFRESH_SPAN = timedelta(seconds=60)


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
    """(rows, frozen): the figures of `period` per branch or maintainer."""
    key = f"{period.label}:{by}"
    if period.closed(today) and not recompute:
        kept = store.frozen(key)
        if kept is not None:
            return kept["rows"], True
    rows = kpi.compute(groups(store.everything()), period, by, settings)
    if period.closed(today):
        store.freeze(key, rows, now)
    return rows, period.closed(today)


def refresh_gauges(store: ReportingStore, quarter: Period, now: datetime,
                   settings: kpi.Settings) -> list[dict]:
    """The current quarter's rows by branch, moved by what was recorded since the last
    refresh: the customers it names (and those merged with them) are counted again from
    their whole history, and the totals move by the difference. A quarter without kept
    totals (the first refresh, a new quarter) is counted once from every fact.

    The history is read outside any transaction and only the writes commit in one: a
    read inside a transaction keeps its snapshot open, and the embedded database then
    steps over every index entry written since for each lookup, so the refresh slowed
    as the pool grew and held the batches' reads up behind it (docs/benchmarks.md,
    session 20). The commit checks that the kept state is still the one the reads
    started from; if another replica's refresh moved it meanwhile, its totals stand.
    The new mark is at most REFRESH_SPAN past the kept one."""
    state, everything, mark = store.gauge_state(quarter.label), [], now
    if state is None:
        everything = store.everything()
        write, drop = gauges.shares(groups(everything), quarter, settings), []
        totals = gauges.moved([], [], write.values())
    else:
        mark = min(now, state["mark"] + REFRESH_SPAN)
        write, drop, totals = _moved_since(store, quarter, state, settings,
                                           None if mark == now else mark)

    def commit(session: Any) -> list:
        kept = store.gauge_state(quarter.label, session)
        if (kept and kept["mark"]) != (state and state["mark"]):
            return kept["totals"] if kept else []
        if state is None:
            store.relink(everything, session)
        store.save_gauges(quarter.label, write, drop, totals, mark, state is None, session)
        return totals
    return gauges.rows(in_transaction(store.db, commit), settings)


def _moved_since(store: ReportingStore, quarter: Period, state: Mapping[str, Any],
                 settings: kpi.Settings, until: datetime | None) -> tuple[dict, set, list]:
    """(shares to write, ids whose kept share goes, the new totals) from the facts
    recorded since the kept mark (and before `until`, the new mark, when it lags)."""
    recent, named = store.recorded_since(state["mark"] - LATE_COMMIT, until=until)
    ids, merged = store.linked(named)
    old = store.shares_of(ids, quarter.label)
    seen_before = set(old) | merged  # ids whose history may predate the window
    history = {f["_id"]: f for f in [*recent, *store.facts_of(seen_before)]}
    found = gauges.shares(groups(f for f in history.values()
                                 if f["customer_id"] in ids), quarter, settings)
    write, drop = gauges.changes(old, found, ids)
    totals = gauges.moved(state["totals"], [old[c] for c in drop], write.values())
    return write, drop, totals

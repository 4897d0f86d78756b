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
    totals (the first refresh, a new quarter) is counted once from every fact."""
    def work(session: Any) -> list[dict]:
        state = store.gauge_state(quarter.label, session)
        if state is None:
            everything = store.everything(session)
            store.relink(everything, session)
            found = gauges.shares(groups(everything), quarter, settings)
            totals = gauges.moved([], [], found.values())
            store.save_gauges(quarter.label, found, [], totals, now, True, session)
            return gauges.rows(totals, settings)
        recent, named = store.recorded_since(state["mark"] - LATE_COMMIT, session)
        ids, merged = store.linked(named, session)
        old = store.shares_of(ids, quarter.label, session)
        seen_before = set(old) | merged  # ids whose history may predate the window
        history = {f["_id"]: f for f in [*recent, *store.facts_of(seen_before, session)]}
        found = gauges.shares(groups(f for f in history.values()
                                     if f["customer_id"] in ids), quarter, settings)
        write, drop = gauges.changes(old, found, ids)
        totals = gauges.moved(state["totals"], [old[c] for c in drop], write.values())
        store.save_gauges(quarter.label, write, drop, totals, now, False, session)
        return gauges.rows(totals, settings)
    return in_transaction(store.db, work)

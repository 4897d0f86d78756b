"""Reporting's use cases: record facts from events, erase a person, compute a report.

A closed period (its last day over) is computed once and kept: later questions get the
kept figures, so late data does not rewrite a quarter already reported; `recompute`
computes it again from the whole history (merges and erasures since included) and keeps
the new figures. An open period is always computed from the history as it stands.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterable, Mapping

from common.mongo import in_transaction

from .domain import erasure, kpi
from .domain.periods import Period
from .domain.timeline import groups
from .storage import ReportingStore


def record(store: ReportingStore, facts: Iterable[dict]) -> int:
    return store.add(facts)


def erase(store: ReportingStore, event: Mapping[str, Any], ids: list[str],
          erased_at: datetime) -> int:
    """Re-key the person's facts to anonymous ids in one transaction; idempotent (a
    redelivery finds the tombstone and does nothing)."""
    def work(session: Any) -> int:
        if store.is_erased(event["customer_id"], session):
            return 0
        old = store.facts_of(ids, session)
        anon = erasure.anonymous_ids([event["customer_id"], *ids])
        new = [erasure.rekeyed(f, anon) for f in old]
        new.append(erasure.exit_fact(anon, event["customer_id"], event))
        store.replace_erased(ids, old, new, erased_at, session)
        return len(old)
    return in_transaction(store.db, work)


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


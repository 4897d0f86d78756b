"""The current quarter's per-branch gauges, kept up to date by difference (pure).

Recomputing the gauges from every fact each minute costs more as the pool grows (the
reason docs/kpi.md gave for keeping them apart). Every indicator is a sum over
customers (kpi.Tally is additive), so each customer (a merge group, by its survivor)
keeps its share of the branch counts, and the totals move by the difference when a
customer's facts change: a refresh costs what changed since the last one, not the pool.

A share is stored as `{"branch": b, **counts}` rows (a branch name never becomes a
field name).
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from . import kpi
from .periods import Period
from .timeline import Group

Share = list[dict[str, Any]]


def shares(groups: Iterable[Group], period: Period,
           settings: kpi.Settings = kpi.Settings()) -> dict[str, Share]:
    """Survivor id -> its counts per branch over `period` (an empty list: counted nowhere,
    kept so the next refresh knows the customer was seen)."""
    return {group.customer_id: _share(kpi.tallies([group], period, "branch", settings))
            for group in groups}


def _share(found: Mapping[tuple, kpi.Tally]) -> Share:
    return [{"branch": key[0], **tally.counts()} for key, tally in sorted(found.items())]


def _tallies(share: Share) -> dict[tuple, kpi.Tally]:
    return {(row["branch"],): kpi.Tally.of({k: v for k, v in row.items() if k != "branch"})
            for row in share}


def moved(totals: Share, old: Iterable[Share], new: Iterable[Share]) -> Share:
    """`totals` minus the old shares plus the new ones; a branch left with nothing counted
    stays (its gauges then read zero rather than keeping a stale value)."""
    found = _tallies(totals)
    for sign, shares_ in ((-1, old), (1, new)):
        for share in shares_:
            for key, tally in _tallies(share).items():
                found.setdefault(key, kpi.Tally()).add(tally, sign)
    return _share(found)


def changes(old: Mapping[str, Share], new: Mapping[str, Share],
            ids: Iterable[str]) -> tuple[dict[str, Share], set[str]]:
    """(shares to write, ids whose kept share goes) for the customers counted again:
    a share that came out as kept is left alone (most of a refresh's re-reads)."""
    write = {cid: share for cid, share in new.items() if old.get(cid) != share}
    drop = {cid for cid in ids if cid in old and (cid not in new or cid in write)}
    return write, drop


def rows(totals: Share, settings: kpi.Settings = kpi.Settings()) -> list[dict]:
    """The report rows (kpi.compute's shape, by branch) of the kept totals."""
    return kpi.rows(_tallies(totals), "branch", settings)

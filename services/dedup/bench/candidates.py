"""Candidate recall: how many true pairs blocking lets the matcher see at all.

A missed duplicate is either never compared (blocking: no shared key, or its block
was cut) or compared and judged different (the decision). Measuring the two apart
says which half to fix. Two figures:

* **key recall**: share of true record pairs whose blocking keys intersect
  (what the key design allows, before any cap on block size or candidates);
* **compared recall**: share of true pairs where, when the later record was
  placed, the earlier one was a member of a scored candidate customer (what the
  pipeline actually compared, caps included).
"""
from __future__ import annotations

from collections import defaultdict
from itertools import combinations
from typing import Any, Iterable, Mapping, Sequence

from bench.pool import IncrementalMatcher
from dedup.domain.clusters import Golden, Record
from dedup.domain.keys import blocking_keys


class TracingMatcher(IncrementalMatcher):
    """The bench's in-memory pool, remembering which record pairs it compared."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.compared: set[frozenset[str]] = set()
        self._current: str | None = None

    def candidates(self, record: Record, keys: Sequence[str] | None = None) -> list[Golden]:
        found = super().candidates(record, keys)
        rid = record.get("record_id")
        if rid is not None:
            for golden in found:
                self.compared.update(frozenset((rid, m)) for m in golden["members"] if m != rid)
        return found


def true_pairs(labels: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every pair of record ids with the same label."""
    by_entity: dict[Any, list[str]] = defaultdict(list)
    for rid, entity in labels.items():
        by_entity[entity].append(rid)
    return [pair for members in by_entity.values() for pair in combinations(sorted(members), 2)]


def key_recall(records: Iterable[Record], labels: Mapping[str, Any]) -> float:
    """Share of true pairs whose records share at least one blocking key."""
    keys = {r["record_id"]: set(blocking_keys(r)) for r in records}
    pairs = true_pairs(labels)
    hit = sum(1 for a, b in pairs if keys[a] & keys[b])
    return hit / len(pairs) if pairs else 1.0


def compared_recall(pool: TracingMatcher, labels: Mapping[str, Any]) -> float:
    """Share of true pairs the pool scored (directly or through a shared candidate)."""
    pairs = true_pairs(labels)
    hit = sum(1 for a, b in pairs if frozenset((a, b)) in pool.compared)
    return hit / len(pairs) if pairs else 1.0

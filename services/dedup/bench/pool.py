"""The bench's in-memory pool: blocking index, candidates, resolve, merge.

The reference incremental pipeline the quality bench runs: the same pure domain
functions the service uses (:func:`dedup.domain.resolve.resolve`, blocking keys,
ranking), with a dict for an index instead of MongoDB. It lives with the bench
because only the bench uses it; the service's domain does not depend on it.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

from dedup.domain.clusters import Golden, Record, new_golden
from dedup.domain.keys import blocking_keys, is_specific
from dedup.domain.ports import Matcher
from dedup.domain.resolve import resolve
from dedup.domain.scoring import MatchResult, merged_params


@dataclass
class Outcome:
    """What happened to one record: the decision, the golden it now belongs to, the
    golden ids absorbed by a transitive merge, and the review candidate if any."""

    decision: str
    customer_id: str
    absorbed: list[str] = field(default_factory=list)
    review_candidate: str | None = None
    results: list[tuple[str, MatchResult]] = field(default_factory=list)


class IncrementalMatcher:
    """In-memory pool: blocking index key -> set(customer ids), plus goldens.

    Specific keys are read first. A block larger than ``max_block`` adds no new
    candidates (that many customers sharing a key is no signal, and reading it would
    make the cost grow with the pool) but still ranks the candidates found through
    other keys higher; at most ``max_candidates`` are scored, ranked by
    :func:`dedup.domain.keys.candidate_rank`, so a broad key never pushes out a
    candidate found through a specific one.
    """

    def __init__(self, matchers: Sequence[Matcher], params: Mapping[str, Any] | None = None,
                 max_block: int = 200, max_candidates: int = 40,
                 id_factory: Callable[[], str] | None = None) -> None:
        self.matchers = list(matchers)
        self.params = merged_params(params)
        self.max_block = max_block
        self.max_candidates = max_candidates
        counter = itertools.count(1)
        self._next_id = id_factory or (lambda: f"C{next(counter):09d}")
        self.goldens: dict[str, Golden] = {}
        self.index: dict[str, set[str]] = {}
        self.keys_of: dict[str, set[str]] = {}

    def _index(self, customer_id: str, keys: Iterable[str]) -> None:
        own = self.keys_of.setdefault(customer_id, set())
        for k in keys:
            self.index.setdefault(k, set()).add(customer_id)
            own.add(k)

    def _unindex(self, customer_id: str) -> set[str]:
        keys = self.keys_of.pop(customer_id, set())
        for k in keys:
            block = self.index.get(k)
            if block is not None:
                block.discard(customer_id)
                if not block:
                    del self.index[k]
        return keys

    def candidates(self, record: Record, keys: Sequence[str] | None = None) -> list[Golden]:
        """Goldens sharing at least one blocking key from a block that is not
        oversized, ranked as :func:`dedup.domain.keys.candidate_rank` ranks them
        (counted here while reading the blocks, not recomputed per candidate)."""
        shared: dict[str, int] = {}
        specific: dict[str, int] = {}
        oversized: list[str] = []
        for k in keys if keys is not None else blocking_keys(record):
            block = self.index.get(k)
            if not block:
                continue
            if len(block) > self.max_block:
                oversized.append(k)
                continue
            spec = is_specific(k)
            for cid in block:
                shared[cid] = shared.get(cid, 0) + 1
                if spec:
                    specific[cid] = specific.get(cid, 0) + 1
        for k in oversized:  # ranks what was found, costs what was found
            block, spec = self.index[k], is_specific(k)
            for cid in shared:
                if cid in block:
                    shared[cid] += 1
                    if spec:
                        specific[cid] = specific.get(cid, 0) + 1
        ranked = sorted(shared, key=lambda c: (-specific.get(c, 0), -shared[c], c))
        return [self.goldens[c] for c in ranked[: self.max_candidates]]

    def add_new(self, record: Record, keys: Sequence[str] | None = None) -> str:
        """Create a golden for ``record`` without matching (pre-filling a pool)."""
        cid = self._next_id()
        self.goldens[cid] = new_golden(record, cid, self.params)
        self._index(cid, keys if keys is not None else blocking_keys(record))
        return cid

    def add(self, record: Record) -> Outcome:
        """Match ``record`` into the pool: merge on ``match`` (absorbing every other
        golden it also matches, unless their national ids conflict), otherwise start
        a new golden (flagged for review on ``possible``)."""
        keys = blocking_keys(record)
        res = resolve(record, self.candidates(record, keys), self.matchers, self.params,
                      self._next_id)
        summary = [(g["customer_id"], r) for g, r in res.results]
        cid = res.golden["customer_id"]
        if res.is_new:
            self.goldens[cid] = res.golden
            self._index(cid, keys)
            return Outcome(res.decision, cid, [], res.review_candidate, summary)
        all_keys: set[str] = set(keys) | self._unindex(cid)
        absorbed: list[str] = []
        for other in res.absorbed:
            all_keys |= self._unindex(other["customer_id"])
            self.goldens.pop(other["customer_id"], None)
            absorbed.append(other["customer_id"])
        self.goldens[cid] = res.golden
        self._index(cid, all_keys)
        return Outcome("match", cid, absorbed, None, summary)

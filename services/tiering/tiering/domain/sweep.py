"""The population gauges, counted a slice of the pool at a time.

Counting the whole pool on every refresh (customers per scheme, tier and branch, moves
over 30 days) is one long aggregation whose cost grows with the pool. On the embedded
database it held tiering's batches back for over a second once a minute, which made
the end-to-end p99 jump (docs/benchmarks.md, session 21). So the pool is cut into
slices by customer id, a refresh reads the next slice only, and the gauges show the
sum of every slice's latest counts. A customer is in exactly one slice, so the sum
counts each customer once; it is at most one sweep old (SLICES refreshes).

Pure: what to read next and how the kept counts add up; the reads are the caller's.
"""
from __future__ import annotations

from typing import Iterator

# Customer ids are "C" + hex digits (dedup.domain): 16 slices of about equal size. Any
# other id still falls into exactly one slice (the first and last are open-ended).
BOUNDS = tuple(f"C{digit}" for digit in "123456789abcdef")
SLICES = len(BOUNDS) + 1
Range = tuple[str | None, str | None]  # [low, high) of customer ids; None: unbounded


def id_range(index: int) -> Range:
    """The customer ids of slice `index`, as [low, high)."""
    if not 0 <= index < SLICES:
        raise ValueError(f"slice {index} is not in [0, {SLICES})")
    low = BOUNDS[index - 1] if index > 0 else None
    high = BOUNDS[index] if index < len(BOUNDS) else None
    return low, high


def contains(ids: Range, customer_id: str) -> bool:
    low, high = ids
    return (low is None or customer_id >= low) and (high is None or customer_id < high)


class Sweep:
    """Each slice's latest population and moves rows; one slice read per refresh once
    every slice has been read (the first refresh reads them all, so the gauges are
    whole from the start)."""

    def __init__(self) -> None:
        self.population: dict[int, list[dict]] = {}
        self.moves: dict[int, list[dict]] = {}
        self.next = 0

    def due(self) -> Iterator[tuple[int, Range]]:
        """The slices to read now, in order."""
        unread = [i for i in range(SLICES) if i not in self.population]
        for index in unread or [self.next]:
            yield index, id_range(index)

    def keep(self, index: int, population: list[dict], moves: list[dict]) -> None:
        self.population[index], self.moves[index] = population, moves
        self.next = (index + 1) % SLICES

    def totals(self) -> tuple[list[dict], list[dict]]:
        """Population and moves rows summed over the slices, in the shape of one
        whole-pool aggregation (keys: scheme, tier, branch / scheme, branch, direction)."""
        return (_summed(self.population.values(), ("scheme", "tier", "branch"), "customers"),
                _summed(self.moves.values(), ("scheme", "branch", "direction"), "count"))


def _summed(parts, keys: tuple[str, ...], field: str) -> list[dict]:
    sums: dict[tuple, int] = {}
    for rows in parts:
        for row in rows:
            key = tuple(row.get(k) for k in keys)
            sums[key] = sums.get(key, 0) + row[field]
    return [{**dict(zip(keys, key)), field: total} for key, total in sums.items()]

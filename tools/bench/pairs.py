"""The ratio pipeline / floor from bursts measured between floors.

This machine's speed drifts by a tenth or more within a minute (docs/benchmarks.md,
session 30: two identical 3,000-customer bursts 30 s apart cost 6.2 and 7.5 ms of CPU
per customer). A floor measured once, minutes before a single burst, compares two
moments of the machine rather than two designs: the same code gave ratios from 0.44 to
0.52 in one hour. So each burst runs between two floors, is compared with their mean,
and the run reports the median of those paired ratios, with every pair beside it.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Paired:
    """`floors[i]` and `floors[i + 1]` were measured just before and after burst i."""

    floors: tuple[float, ...]
    rates: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.rates or len(self.floors) != len(self.rates) + 1:
            raise ValueError("each burst needs a floor before it and one after it")

    def floor_around(self, burst: int) -> float:
        return (self.floors[burst] + self.floors[burst + 1]) / 2

    def ratios(self) -> list[float]:
        return [rate / self.floor_around(i) for i, rate in enumerate(self.rates)]

    def median_burst(self) -> int:
        """The burst whose paired ratio is the median (the lower middle of an even
        count, so an even number of bursts never reports better than it measured)."""
        ratios = self.ratios()
        ranked = sorted(range(len(ratios)), key=ratios.__getitem__)
        return ranked[(len(ranked) - 1) // 2]

    def line(self) -> str:
        """Every pair, for the report: the median is not the whole story."""
        pairs = ", ".join(
            f"{rate:.1f} / {self.floor_around(i):.1f} = {ratio:.2f}"
            for i, (rate, ratio) in enumerate(zip(self.rates, self.ratios())))
        return (f"Bursts and the floors around them (burst / mean of the floors before and "
                f"after it = ratio): {pairs}; floors in order: "
                + ", ".join(f"{f:.1f}" for f in self.floors)
                + f". The table reports burst {self.median_burst() + 1}, the median ratio.")

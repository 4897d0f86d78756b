"""CPU per customer by process while a long list goes through, early and late.

The list's time per customer says whether the cost grows with the pool; when it does,
this says where: every process's CPU seconds are sampled at a fixed interval next to
the count of customers assigned so far, and the CPU each process spent per customer is
compared between the first and the last tenth of the list reached. A process whose
share grows holds a cost that follows its collections (or its queues' backlog).
"""
from __future__ import annotations

import bisect
import threading
import time
from typing import Callable

from . import cpu


class CpuSampler:
    """Samples (time, assigned, CPU seconds per process) every `interval` seconds."""

    def __init__(self, pids: dict[str, int], assigned: Callable[[], int], interval: float = 20):
        self.pids, self.assigned, self.interval = pids, assigned, interval
        self.samples: list[tuple[float, int, dict[str, float]]] = []
        self.peaks: list[tuple[int, dict[str, float]]] = []  # (assigned, peak MB per process)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "CpuSampler":
        self._take()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._take()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._take()

    def _take(self) -> None:
        assigned = self.assigned()
        self.samples.append((time.perf_counter(), assigned, cpu.cpu_seconds(self.pids)))
        self.peaks.append((assigned, cpu.peak_rss_mb(self.pids)))

    def peak_at(self, assigned: int) -> dict[str, float]:
        """Each process's peak memory (MB) at the first sample that had `assigned`
        customers assigned (the last sample's if none had)."""
        return next((peak for count, peak in self.peaks if count >= assigned),
                    self.peaks[-1][1] if self.peaks else {})

    def per_customer(self, start: float, end: float) -> dict[str, float]:
        """ms of CPU per customer assigned, per process, between the samples closest to
        two moments (empty when they are the same sample or nobody was assigned)."""
        first, last = self._nearest(start), self._nearest(end)
        if last[0] <= first[0] or last[1] <= first[1]:
            return {}
        return cpu.per_customer_ms(first[2], last[2], last[1] - first[1])

    def overall(self) -> dict[str, float]:
        """ms of CPU per customer assigned, per process, from the first sample to the last:
        the whole run's cost, work done ahead for customers not yet assigned included."""
        if len(self.samples) < 2 or not self.samples[-1][1]:
            return {}
        first, last = self.samples[0], self.samples[-1]
        return cpu.per_customer_ms(first[2], last[2], last[1] - first[1])

    def _nearest(self, moment: float) -> tuple[float, int, dict[str, float]]:
        times = [s[0] for s in self.samples]
        at = bisect.bisect_left(times, moment)
        candidates = self.samples[max(at - 1, 0):at + 1] or self.samples[-1:]
        return min(candidates, key=lambda s: abs(s[0] - moment))


def early_late_lines(early: dict[str, float], late: dict[str, float]) -> list[str]:
    """The table: each process's CPU per customer early and late, the growth first."""
    if not early or not late:
        return []
    rows = sorted(early, key=lambda name: -(late.get(name, 0.0) - early[name]))
    return ["CPU per customer by process, first tenth / last tenth of the list (ms; the "
            "processes whose cost grew most first):", "",
            "| process | first tenth | last tenth |", "|---|---|---|",
            f"| all processes | {sum(early.values()):.1f} | {sum(late.values()):.1f} |",
            *(f"| {name} | {early[name]:.1f} | {late.get(name, 0.0):.1f} |" for name in rows),
            ""]

"""How fast this machine's CPU was, at the start of the bench and at its end.

The development machines are virtual and shared: the same code has cost 22 ms of CPU
per customer one day and 40-60 ms the next, and moved by half within one run
(docs/benchmarks.md, "session 9"). A fixed piece of pure Python work, timed before
the stack starts and after it stopped (so nothing of ours competes with it), tells a
reader whether figures from two runs, or from the start and the end of one long run,
can be compared.
"""
from __future__ import annotations

import time

LOOP = 5_000_000


def reference_seconds(repeats: int = 3) -> float:
    """The fastest of `repeats` timings of a fixed loop of additions (the least
    disturbed by the other processes)."""
    best = float("inf")
    for _ in range(repeats):
        started, total = time.perf_counter(), 0
        for n in range(LOOP):
            total += n
        best = min(best, time.perf_counter() - started)
    return best


def line(start: float, end: float) -> str:
    drift = end / start if start else float("nan")
    return (f"Machine speed: a fixed Python loop ({LOOP:,} additions) took {start:.2f} s "
            f"at the start of the run and {end:.2f} s at its end (x{drift:.2f}; above about "
            "1.2 the machine itself slowed down, and figures from early and late in the run "
            "do not compare).")

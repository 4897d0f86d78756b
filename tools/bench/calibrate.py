"""How fast this machine's CPU was, before the bench and after it.

The development machines are virtual and shared: the same code has cost 22 ms of CPU
per customer one day and 40-65 ms the next, and the broker-and-database floor fell
from 150 to 97 customers/s within two hours (docs/benchmarks.md, "session 9"). A fixed
piece of pure Python work, timed on one core and then on every core at once, before
the stack starts and after it stopped (nothing of ours competing), tells a reader
whether two runs' figures compare, and how much of a core each core is when all are
busy (two virtual cores that share one physical core give far less than two).
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # where `tools` imports from

LOOP = 5_000_000


def loop_seconds(repeats: int = 3) -> float:
    """The fastest of `repeats` timings of a fixed loop of additions."""
    best = float("inf")
    for _ in range(repeats):
        started, total = time.perf_counter(), 0
        for n in range(LOOP):
            total += n
        best = min(best, time.perf_counter() - started)
    return best


def reference() -> tuple[float, float]:
    """(the loop on one core, the slowest of the loops run on every core at once). The
    loops at once are separate interpreters (not multiprocessing, which an eventlet-
    patched process cannot fork safely)."""
    alone = loop_seconds()
    code = f"from {__name__} import loop_seconds; print(loop_seconds(1))"
    runs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                             cwd=ROOT)
            for _ in range(os.cpu_count() or 1)]
    together = max(float(run.communicate()[0]) for run in runs)
    return alone, together


def line(start: tuple[float, float], end: tuple[float, float]) -> str:
    cores = os.cpu_count() or 1
    return (f"Machine speed: a fixed Python loop ({LOOP:,} additions) took {start[0]:.2f} s "
            f"on one core and {start[1]:.2f} s on each of the {cores} cores at once before "
            f"the run, {end[0]:.2f} s and {end[1]:.2f} s after it (runs whose timings differ "
            "by more than about a fifth do not compare; all cores at once much slower than "
            "one means the cores share hardware).")

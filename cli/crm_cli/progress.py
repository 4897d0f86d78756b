"""Progress bars on stderr (rich.progress): done / total, rate and time left.

Shown only to a person: off when stderr is not a terminal (a pipe, a log, a test) and
with --json, so what a program reads stays clean. A total that is only an estimate
grows when the work turns out larger, and is set to the real count at the end.
"""
from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Iterator

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)


def wanted(as_json: bool = False) -> bool:
    """Progress for a person at a terminal, never with --json."""
    return not as_json and sys.stderr.isatty()


class Tracker:
    """Advance one task; does nothing when progress is off."""

    def __init__(self, progress: Progress | None = None, task: TaskID | None = None):
        self.progress, self.task, self.done = progress, task, 0
        self.total: float | None = None

    def advance(self, amount: int, note: str = "") -> None:
        self.done += amount
        if self.progress is None:
            return
        if self.total is not None and self.done > self.total:
            self.set_total(self.done)
        self.progress.update(self.task, completed=self.done, note=note)

    def set_total(self, total: float | None) -> None:
        self.total = total
        if self.progress is not None:
            self.progress.update(self.task, total=total)

    def finish(self) -> None:
        """The real total is what was done."""
        self.set_total(self.done)


def columns() -> list:
    return [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[note]}"), TimeElapsedColumn(),
            TextColumn("left"), TimeRemainingColumn()]


@contextmanager
def bar(description: str, total: float | None, show: bool,
        console: Console | None = None) -> Iterator[Tracker]:
    """A progress bar for the block (`total` None: not known yet)."""
    if not show:
        tracker = Tracker()
        tracker.total = total
        yield tracker
        return
    progress = Progress(*columns(), console=console or Console(stderr=True))
    with progress:
        tracker = Tracker(progress, progress.add_task(description, total=total, note=""))
        tracker.total = total
        yield tracker


@contextmanager
def watching(show: bool, deadline: float) -> Iterator:
    """For `crm drain`: one live line on stderr with what still holds work and the time
    left before the time-out; yields a function to call with the DrainWatch per poll."""
    if not show:
        yield lambda watch: None
        return
    with Console(stderr=True).status("draining: first poll") as line:
        def update(watch) -> None:
            left = max(0.0, deadline - time.monotonic())
            if watch.idle_since is not None:
                what = f"idle for {watch.idle_for():.1f}s of the {watch.window:.1f}s needed"
            else:
                holds = watch.last_holds or ["waiting"]
                what = holds[0] + (f" (and {len(holds) - 1} more)" if len(holds) > 1 else "")
            line.update(f"draining: {what}; {left:.0f}s left")
        yield update

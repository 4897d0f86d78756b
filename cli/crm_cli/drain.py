"""When is the pipeline drained? The decision, apart from how the figures are fetched.

Work can hide in four places: a queue's ready messages, its unacknowledged ones (a
handler holds them), a handler that runs, and outbox rows not yet published (a
lease keeps the sweeper off them for 60 s). The broker's management figures are
sampled once per statistics interval, so a zero may be up to one interval old: the
pipeline counts as drained only when every snapshot, over more than one interval
(and at least `--quiet-seconds`), found nothing anywhere.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Snapshot:
    """One poll. `queues`: name -> (ready, unacked); `services`: name -> the answer of
    its `work_pending` RPC, or a string saying why there was none; `errors`: probes
    that failed (management API, broker), each of which alone means 'not drained'."""

    at: float
    queues: dict[str, tuple[int, int]] = field(default_factory=dict)
    services: dict[str, dict | str] = field(default_factory=dict)
    errors: tuple[str, ...] = ()


def holds(snapshot: Snapshot) -> list[str]:
    """What keeps the pipeline busy in this snapshot, one line each (empty: idle)."""
    out = list(snapshot.errors)
    for name, (ready, unacked) in sorted(snapshot.queues.items()):
        if ready or unacked:
            out.append(f"queue {name}: {ready} ready, {unacked} unacknowledged")
    for name, work in snapshot.services.items():
        if isinstance(work, str):
            out.append(f"service {name}: not answering ({work})")
            continue
        busy = [f"{work.get(key, 0)} {label}" for key, label in
                (("outbox_pending", "outbox row(s) pending"), ("in_flight", "in flight"))
                if work.get(key, 0)]
        if busy:
            out.append(f"service {name}: {', '.join(busy)}")
    return out


class DrainWatch:
    """Feed it snapshots in time order; `observe` says True once every snapshot for
    more than `window` seconds was idle (so one sampled zero never suffices)."""

    def __init__(self, window: float):
        self.window = window
        self.idle_since: float | None = None
        self.last: Snapshot | None = None
        self.last_holds: list[str] = []
        self.polls = 0
        self.peaks: dict[str, int] = {}

    def observe(self, snapshot: Snapshot) -> bool:
        self.last, self.polls = snapshot, self.polls + 1
        self._remember(snapshot)
        busy = holds(snapshot)
        if busy:
            self.idle_since, self.last_holds = None, busy
            return False
        if self.idle_since is None:
            self.idle_since = snapshot.at
        return snapshot.at - self.idle_since > self.window

    def _remember(self, snapshot: Snapshot) -> None:
        """The most work each queue and service held at any poll."""
        found = {f"queue {name}": ready + unacked
                 for name, (ready, unacked) in snapshot.queues.items()}
        found.update({f"service {name}": work.get("in_flight", 0) + work.get("outbox_pending", 0)
                      for name, work in snapshot.services.items() if isinstance(work, dict)})
        for where, amount in found.items():
            if amount:
                self.peaks[where] = max(amount, self.peaks.get(where, 0))

    def summary(self) -> str:
        """What the drain waited for, for its last line: polls and the work seen."""
        if not self.peaks:
            return f"{self.polls} poll(s); no work seen"
        seen = ", ".join(f"{where} (at most {amount})"
                         for where, amount in sorted(self.peaks.items()))
        return f"{self.polls} poll(s); work seen: {seen}"

    def idle_for(self) -> float:
        if self.idle_since is None or self.last is None:
            return 0.0
        return self.last.at - self.idle_since

    def report(self) -> list[str]:
        """Why the pipeline is not (yet) called drained, for the time-out message."""
        if self.last is None:
            return ["no poll completed"]
        if self.idle_since is None:
            return self.last_holds
        lines = [f"idle for only {self.idle_for():.1f}s (needs more than {self.window:.1f}s)"]
        return lines + [f"before that: {line}" for line in self.last_holds]

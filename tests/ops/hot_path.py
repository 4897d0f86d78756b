"""What the cost tests share (test_hot_path_cost.py, test_erasure_cost.py): the sizes,
the command listener, a real outbox over a filled collection, and the measure.

A case builds a scratch database on its service's real test server, fills it with
`count` documents like the pool's (Fill) and makes one call of the path (Call, which
asserts what the path did); `measure` runs both sizes, the sizes taking turns, and
drops the scratch databases afterwards.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Callable

from pymongo import MongoClient, monitoring
from pymongo.database import Database

from common.events import Outbox
from common.outbox_store import PassStore, new_pass

SMALL, LARGE = 100, 3000
CALLS = 20  # hot-path calls (a batch each, where the service works in batches) per round and size
ROUNDS = 4  # small and large alternate; the best round of each counts, so a burst of
#            another process on this shared machine does not decide
MAX_RATIO = 3.0

Fill = Callable[[int], None]  # add `count` documents like the pool's
Call = Callable[[int], None]  # one hot-path call n (asserting what it returns), n < SMALL
Build = Callable[[Database], tuple[Fill, Call]]


class Commands(monitoring.CommandListener):
    """Names of every command the client sent."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.names.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def now() -> datetime:
    return datetime.now(timezone.utc)


def no_dispatch(event_type: str, body: dict) -> None:
    """The broker is not part of the measure: events are 'published' nowhere."""


def outbox_over(db: Database, count: int) -> Outbox:
    """A real Outbox on the scratch database, with the indexes the service creates
    (OutboxDispatcher.setup), its collection filled with `count` sent rows."""
    PassStore(db["outbox"]).ensure_indexes()
    db["outbox"].insert_many([{"_id": f"old-{n}", "type": "x", "body": {"customer_id": f"c{n}"},
                               "sent": True, "created_at": now(), "lease_until": now()}
                              for n in range(count)])
    return Outbox(db["outbox"], no_dispatch, "hot-path-test")


def outbox_about(db: Database, event_type: str, bodies: list[dict],
                 dispatch: Callable[[str, dict], None] = no_dispatch) -> Outbox:
    """A real Outbox whose collection holds one sent pass per body: an event
    `old-<customer id>` about `body["customer_id"]`, found by the `customer_ids` index
    as an erasure finds it. `dispatch` receives what the outbox publishes."""
    store = PassStore(db["outbox"])
    store.ensure_indexes()
    store.insert_many([{**new_pass([{"_id": f"old-{body['customer_id']}", "type": event_type,
                                     "body": body}], "hot-path-test", now()),
                        "pending": [], "sent": True} for body in bodies])
    return Outbox(db["outbox"], dispatch, "hot-path-test")


def best_means(calls: dict[int, Call]) -> dict[int, float]:
    """Per size, the best of ROUNDS mean seconds per call; the sizes take turns."""
    best = dict.fromkeys(calls, float("inf"))
    for r in range(ROUNDS):
        for size, call in calls.items():
            started = time.perf_counter()
            for n in range(r * CALLS, (r + 1) * CALLS):
                call(n)
            best[size] = min(best[size], (time.perf_counter() - started) / CALLS)
    return best


def measure(mongo_uri: str, label: str, build: Build) -> tuple[Commands, dict[int, float]]:
    """(every command sent, best mean seconds a call per size) of a case whose scratch
    databases `scratch_<label>_<size>` are filled with SMALL and LARGE documents."""
    commands = Commands()
    client = MongoClient(mongo_uri, tz_aware=True, event_listeners=[commands])
    names = {size: f"scratch_{label}_{size}" for size in (SMALL, LARGE)}
    try:
        calls = {}
        for size, name in names.items():
            client.drop_database(name)
            fill, calls[size] = build(client[name])
            fill(size)
        return commands, best_means(calls)
    finally:
        for name in names.values():
            client.drop_database(name)
        client.close()


def check_cost(mongo_uri: str, label: str, build: Build, in_transaction: bool) -> None:
    """Measure a case (`measure`) and check it: the listener saw its writes (and a
    commit, where the service runs it in a transaction), no findAndModify reached the
    server, and a call at LARGE documents cost at most MAX_RATIO times a call at SMALL.
    The figures are printed (seen with `pytest -s`)."""
    commands, mean = measure(mongo_uri, label, build)
    print(f"\n{label}: {mean[SMALL] * 1000:.2f} ms a call at {SMALL}, "
          f"{mean[LARGE] * 1000:.2f} ms at {LARGE} (x{mean[LARGE] / mean[SMALL]:.2f})")
    assert "update" in commands.names  # the listener saw the path
    if in_transaction:  # as the service runs it: one transaction per batch or erasure
        assert "commitTransaction" in commands.names
    assert "findAndModify" not in commands.names
    assert mean[LARGE] <= MAX_RATIO * mean[SMALL], (
        f"{label}: {mean[LARGE] * 1000:.1f} ms a call at {LARGE} documents, "
        f"{mean[SMALL] * 1000:.1f} ms at {SMALL}")

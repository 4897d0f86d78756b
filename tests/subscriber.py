"""Waiting for the events a test expects, on a plain AMQP subscriber."""
from __future__ import annotations

import json
import time
import uuid
from typing import Callable, Union

from kombu import Connection, Exchange, Queue

from common.outbox_store import LEASE_SECONDS

# How long a test waits for an event it expects: longer than an outbox lease (a row whose
# publish failed is claimed again once its lease ends) plus a sweep (every 5 s, rows older
# than 10 s) and the time a loaded 2-core CI machine needs to get there.
DEADLINE = LEASE_SECONDS + 60.0
Expected = Union[int, Callable[[list], bool]]


def everything(_message: dict) -> bool:
    return True


class Subscriber:
    """A plain AMQP subscriber (kombu, not the project's code) on an exclusive queue.

    Tests wait for what they expect (`wait_for`), never for a quiet window: under load
    a quiet window closes before a late event, or makes every test wait for nothing.
    Messages a wait does not take are kept for the next one."""

    def __init__(self, uri: str, exchange: str, routing_key: str,
                 report: Callable[[], str] | None = None):
        self.conn = Connection(uri)
        self.queue = Queue(f"test-{uuid.uuid4().hex[:8]}", Exchange(exchange, "topic", durable=True),
                           routing_key=routing_key, exclusive=True, auto_delete=True)
        self.simple = self.conn.SimpleQueue(self.queue)
        self.report = report
        self.kept: list[dict] = []

    def wait_for(self, expected: Expected = 1, match: Callable[[dict], bool] = everything,
                 deadline: float = DEADLINE) -> list[dict]:
        """The messages matching `match`, as soon as they satisfy `expected`: at least
        that many, or a predicate over the list. They are taken (a later wait does not
        see them again); whatever is already in the queue is taken along, so after a
        drain of the pipeline an exact count holds. Fails after `deadline` seconds with
        what arrived and what the pipeline still holds."""
        done = expected if callable(expected) else (lambda got: len(got) >= expected)
        end = time.monotonic() + deadline
        while not done(got := [m for m in self.kept if match(m)]):
            if time.monotonic() >= end:
                raise AssertionError(self._timed_out(got, deadline))
            self._receive(min(1.0, max(end - time.monotonic(), 0.01)))
        self._receive_ready()
        got = [m for m in self.kept if match(m)]
        self.kept = [m for m in self.kept if not match(m)]
        return got

    def take_until(self, marker: Callable[[dict], bool], match: Callable[[dict], bool] = everything,
                   deadline: float = DEADLINE) -> list[dict]:
        """Everything matching `match` that arrived before `marker`: a message the test
        caused after all it wants to see, so the pipeline has processed past them (the
        way to see "all of it" when the count is not known, and to prove an absence).
        The marker itself is never returned."""
        self.wait_for(1, marker, deadline)
        taken = [m for m in self.kept if match(m) and not marker(m)]
        self.kept = [m for m in self.kept if not (match(m) and not marker(m))]
        return taken

    def assert_none_before(self, marker: Callable[[dict], bool], unwanted: Callable[[dict], bool],
                           deadline: float = DEADLINE) -> None:
        """Prove that no message matching `unwanted` comes: wait for `marker`, caused by
        the test after whatever must not come, then fail if an unwanted one arrived."""
        extra = self.take_until(marker, unwanted, deadline)
        assert not extra, f"{len(extra)} unexpected message(s) before the marker: {brief(extra)}"

    def _receive(self, timeout: float) -> bool:
        try:
            message = self.simple.get(timeout=timeout)
        except self.simple.Empty:
            return False
        self.kept.append(json.loads(message.body) if isinstance(message.body, (str, bytes))
                         else message.payload)
        message.ack()
        return True

    def _receive_ready(self) -> None:
        """Take what is already in the queue or on its way (the broker pushes a
        consumer's messages in queue order, each within a moment)."""
        while self._receive(0.2):
            pass

    def _timed_out(self, got: list[dict], deadline: float) -> str:
        others = [m for m in self.kept if m not in got]
        lines = [f"waited {deadline:.0f} s on {self.queue.exchange.name} "
                 f"{self.queue.routing_key}: the {len(got)} matching message(s) are not what "
                 f"the test expects", f"matching: {brief(got)}", f"others: {brief(others)}"]
        if self.report:
            lines.append(self.report())
        return "\n".join(lines)

    def close(self) -> None:
        self.simple.close()
        self.conn.release()


def brief(messages: list[dict], limit: int = 20, width: int = 300) -> str:
    """Messages for a failure text: the first `limit`, each cut to `width` characters."""
    shown = [json.dumps(m, ensure_ascii=False, default=str)[:width] for m in messages[:limit]]
    more = f" ... and {len(messages) - limit} more" if len(messages) > limit else ""
    return f"{len(messages)}: [" + ", ".join(shown) + "]" + more

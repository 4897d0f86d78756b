"""Subscriber.wait_for / take_until / assert_none_before over a queue stand-in (no broker):
a wait returns as soon as it has what the test expects, keeps what it did not take, and
fails with what arrived and what the pipeline holds."""
from __future__ import annotations

import json
import time
from collections import deque
from queue import Empty

import pytest

from tests.subscriber import Subscriber


class Message:
    def __init__(self, body: dict):
        self.body = json.dumps(body)
        self.acked = False

    def ack(self) -> None:
        self.acked = True


class Arrivals:
    """Messages that arrive one per get(), in queue order, as a consumer sees them; an
    empty queue waits a moment and says Empty, like kombu's SimpleQueue."""
    Empty = Empty

    def __init__(self, bodies: list[dict]):
        self.queue = deque(Message(b) for b in bodies)

    def get(self, timeout: float) -> Message:
        if not self.queue:
            time.sleep(min(timeout, 0.01))
            raise Empty()
        return self.queue.popleft()


def subscriber(bodies: list[dict], report=lambda: "outbox: 1 pending") -> Subscriber:
    sub = Subscriber.__new__(Subscriber)
    sub.simple, sub.report, sub.kept = Arrivals(bodies), report, []
    sub.queue = type("Q", (), {"exchange": type("E", (), {"name": "x.events"}), "routing_key": "k"})
    return sub


def test_returns_as_soon_as_the_expected_count_matched_and_keeps_the_rest():
    sub = subscriber([{"id": 1, "b": "A"}, {"id": 2, "b": "Z"}, {"id": 3, "b": "A"}])
    got = sub.wait_for(2, lambda e: e["b"] == "A", deadline=5)
    assert [e["id"] for e in got] == [1, 3]
    assert sub.kept == [{"id": 2, "b": "Z"}]  # not taken: a later wait can still have it
    assert sub.wait_for(1, lambda e: e["b"] == "Z", deadline=5) == [{"id": 2, "b": "Z"}]


def test_a_predicate_over_the_matching_messages():
    sub = subscriber([{"s": "star"}, {"s": "star"}, {"s": "intent"}])
    got = sub.wait_for(lambda seen: {e["s"] for e in seen} == {"star", "intent"}, deadline=5)
    assert len(got) == 3


def test_time_out_lists_what_arrived_and_the_pipeline_report():
    sub = subscriber([{"id": 1, "b": "A"}, {"id": 2, "b": "Z"}])
    started = time.monotonic()
    with pytest.raises(AssertionError) as failed:
        sub.wait_for(2, lambda e: e["b"] == "A", deadline=0.3)
    assert time.monotonic() - started < 3
    text = str(failed.value)
    assert "matching: 1: [" in text and '"id": 1' in text
    assert "others: 1: [" in text and '"id": 2' in text
    assert "outbox: 1 pending" in text


def test_take_until_returns_what_came_before_the_marker():
    sub = subscriber([{"b": "A", "n": 1}, {"b": "A", "n": 2}, {"b": "M"}])
    assert sub.take_until(lambda e: e["b"] == "M", lambda e: e["b"] == "A", deadline=5) == \
        [{"b": "A", "n": 1}, {"b": "A", "n": 2}]


def test_assert_none_before_fails_on_an_unwanted_message_and_passes_without():
    clean = subscriber([{"b": "Z"}, {"b": "M"}])
    clean.assert_none_before(lambda e: e["b"] == "M", lambda e: e["b"] == "A", deadline=5)
    dirty = subscriber([{"b": "A"}, {"b": "M"}])
    with pytest.raises(AssertionError, match="1 unexpected message"):
        dirty.assert_none_before(lambda e: e["b"] == "M", lambda e: e["b"] == "A", deadline=5)


def test_no_marker_is_a_failure_not_a_pass():
    sub = subscriber([{"b": "Z"}])
    with pytest.raises(AssertionError, match="waited"):
        sub.assert_none_before(lambda e: e["b"] == "M", lambda e: e["b"] == "A", deadline=0.2)

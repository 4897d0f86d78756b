"""The batch unit of work's failure rules, with an in-memory parking store (no I/O)."""
from __future__ import annotations

import pytest
from marshmallow import ValidationError
from pymongo.errors import AutoReconnect

from common import batch as batch_module
from common import reliability
from common.batch import delivery_of, reliable_batch, sender, with_sender


class MemoryParking:
    def __init__(self):
        self.rows: list[tuple[str, dict, str]] = []

    def park(self, entrypoint, payload, reason, detail="", attempts=1):
        self.rows.append((entrypoint, payload, reason))
        return str(len(self.rows))


class FakeService:
    """What the wrapper needs of a service: its name and its parking store. The handler
    commits a batch all at once or not at all, like a transaction."""
    name = "test"

    def __init__(self, fail_on=(), transient_failures=0):
        self.parked = MemoryParking()
        self.committed: list[int] = []
        self.calls: list[list[int]] = []
        self.fail_on = set(fail_on)
        self.transient_failures = transient_failures

    @reliable_batch
    def on_event(self, payloads):
        self.calls.append([p["n"] for p in payloads])
        if self.transient_failures:
            self.transient_failures -= 1
            raise AutoReconnect("database away")
        bad = [p["n"] for p in payloads if p["n"] in self.fail_on]
        if bad:
            raise ValidationError(f"message {bad[0]} breaks the contract")
        self.committed.extend(p["n"] for p in payloads)


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr(batch_module.eventlet, "sleep", lambda s: None)
    monkeypatch.setattr(reliability.eventlet, "sleep", lambda s: None)


def payloads(n: int) -> list[dict]:
    return [{"event_id": f"e{i}", "n": i} for i in range(n)]


def test_a_good_batch_is_one_call():
    service = FakeService()
    service.on_event(payloads(50))
    assert service.calls == [list(range(50))]
    assert service.committed == list(range(50)) and service.parked.rows == []


def test_a_bad_message_is_isolated_and_parked_while_the_others_commit():
    service = FakeService(fail_on={13, 41})
    service.on_event(payloads(64))
    assert sorted(service.committed) == [n for n in range(64) if n not in (13, 41)]
    assert len(service.committed) == 62, "each good message commits exactly once"
    parked = sorted((row[1]["n"], row[0]) for row in service.parked.rows)
    assert parked == [(13, "on_event"), (41, "on_event")]
    assert max(len(c) for c in service.calls[1:]) <= 32, "halves after the first failure"


def test_a_transient_failure_retries_the_whole_batch_unsplit():
    service = FakeService(transient_failures=2)
    service.on_event(payloads(10))
    assert service.calls == [list(range(10))] * 3
    assert service.committed == list(range(10)) and service.parked.rows == []


def test_a_replayed_parked_message_runs_alone():
    service = FakeService()
    service.on_event({"event_id": "e7", "n": 7})
    assert service.calls == [[7]] and service.committed == [7]


class SenderService(FakeService):
    """Handles `with_sender` payloads and notes, per run, the delivery ids it got: a run
    after a failure may follow a partial commit, which it finds by them
    (common/delivery.py)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.runs: list[list[str]] = []

    @reliable_batch
    def on_event(self, payloads):
        self.runs.append([delivery_of(p) for p in payloads])
        FakeService.on_event.__wrapped__(self, [sender(p)[1] for p in payloads])


class Delivered:
    """What with_sender reads of a kombu message, delivered for the first time."""
    properties = {"user_id": "bank-a"}
    delivery_info = {"redelivered": False}


def sent(n: int) -> list[dict]:
    return [with_sender(p, Delivered()) for p in payloads(n)]


def test_a_batch_retried_in_place_runs_again_under_the_same_delivery_ids():
    service, batch = SenderService(transient_failures=1), sent(4)
    service.on_event(batch)
    ids = [delivery_of(p) for p in batch]
    assert len(set(ids)) == 4 and None not in ids
    assert service.runs == [ids, ids] and service.committed == list(range(4))


def test_the_halves_of_a_split_batch_and_the_parked_message_keep_their_delivery_ids():
    service, batch = SenderService(fail_on={2}), sent(4)
    service.on_event(batch)
    ids = [delivery_of(p) for p in batch]
    assert service.runs[0] == ids
    assert all(set(run) <= set(ids) for run in service.runs[1:]), service.runs
    assert [delivery_of(row[1]) for row in service.parked.rows] == [ids[2]]
    assert sorted(service.committed) == [0, 1, 3]


def test_a_single_message_retried_runs_again_under_its_delivery_id():
    service, [message] = SenderService(transient_failures=1), sent(1)
    service.on_event(message)
    assert service.runs == [[delivery_of(message)]] * 2


def test_a_batch_takes_whole_messages():
    """A message is settled after all its events were handled: never split between two
    batches, even when that makes a batch larger than its size."""
    first, second, third = object(), object(), object()
    pending = [(1, first), (2, first), (3, second), (4, second), (5, second), (6, third)]
    taken, rest = batch_module.take(pending, 3)
    assert [p for p, _ in taken] == [1, 2, 3, 4, 5] and rest == [(6, third)]
    assert batch_module.take(pending, 2) == (pending[:2], pending[2:])
    assert batch_module.take(pending[:1], 200) == (pending[:1], [])
    assert batch_module.take([], 5) == ([], [])


def test_a_batch_message_becomes_one_payload_per_event_and_anything_else_one():
    from contracts.batches import batch_message, events_in
    assert events_in(batch_message("tier.changed", [{"a": 1}, {"a": 2}])) == [{"a": 1}, {"a": 2}]
    for single in ({"event_id": "e1"}, {"batch_of": "tier.changed", "events": []},
                   {"batch_of": "tier.changed", "events": "x"}, [1, 2], "text", None):
        assert events_in(single) is None  # handled, and parked if invalid, as one payload


def test_a_whole_batch_message_replayed_is_handled_as_its_events():
    """A batch message parked whole (by a version that did not read them) replays as its
    events, not as one invalid payload."""
    from contracts.batches import batch_message
    service = FakeService()
    service.on_event(batch_message("tier.changed", payloads(3)))
    assert service.calls == [[0, 1, 2]] and service.committed == [0, 1, 2]

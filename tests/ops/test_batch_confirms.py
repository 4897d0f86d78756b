"""common.confirms against the real broker: a batch goes out on one confirm-mode channel,
in order, and each message's outcome (delivered, returned as unroutable) is reported by
its outbox row id, so the outbox marks sent exactly what the broker accepted."""
from __future__ import annotations

import uuid

import pytest
from kombu import Connection, Exchange, Queue

from common.confirms import BatchPublisher, Outgoing

pytestmark = pytest.mark.integration


@pytest.fixture
def exchange_and_queue(stack):
    """A scratch topic exchange with one queue bound for `bound.*`, deleted afterwards."""
    name = f"crm.scratch.{uuid.uuid4().hex[:8]}"
    exchange = Exchange(name, type="topic", durable=False, auto_delete=False)
    queue = Queue(name, exchange, routing_key="bound.*", durable=False)
    with Connection(stack.env["AMQP_URI"]) as conn:
        queue(conn.default_channel).declare()
        yield exchange, queue, conn
        queue(conn.default_channel).delete()
        exchange(conn.default_channel).delete()


def drain(queue, conn) -> list[dict]:
    bodies = []
    bound = queue(conn.default_channel)
    while (message := bound.get(no_ack=True)) is not None:
        bodies.append(message.payload)
    return bodies


def test_a_batch_is_confirmed_at_once_in_order(stack, exchange_and_queue):
    exchange, queue, conn = exchange_and_queue
    publisher = BatchPublisher(stack.env["AMQP_URI"], exchange)
    messages = [Outgoing(f"row{n}", "bound.event", {"n": n}, mandatory=True)
                for n in range(500)]
    outcome = publisher.publish(messages, {"crm.test": "1"})
    assert outcome.delivered == [f"row{n}" for n in range(500)]
    assert outcome.returned == [] and outcome.failed == [] and outcome.error is None
    assert [b["n"] for b in drain(queue, conn)] == list(range(500)), "order or count lost"


def test_an_unroutable_mandatory_message_is_returned_not_delivered(stack, exchange_and_queue):
    exchange, queue, conn = exchange_and_queue
    publisher = BatchPublisher(stack.env["AMQP_URI"], exchange)
    outcome = publisher.publish([
        Outgoing("a", "bound.x", {"n": 1}, mandatory=True),
        Outgoing("b", "nowhere.x", {"n": 2}, mandatory=True),
        Outgoing("c", "nowhere.y", {"n": 3}, mandatory=False),  # may go nowhere: confirmed
        Outgoing("d", "bound.y", {"n": 4}, mandatory=True),
    ])
    assert outcome.returned == ["b"]
    assert outcome.delivered == ["a", "c", "d"]
    assert [b["n"] for b in drain(queue, conn)] == [1, 4]


def test_an_unreachable_broker_fails_the_whole_batch(exchange_and_queue):
    exchange, _, _ = exchange_and_queue
    publisher = BatchPublisher("amqp://guest:guest@127.0.0.1:9/", exchange, confirm_timeout=2)
    outcome = publisher.publish([Outgoing("a", "bound.x", {}), Outgoing("b", "bound.y", {})])
    assert outcome.failed == ["a", "b"] and outcome.delivered == []
    assert outcome.error is not None

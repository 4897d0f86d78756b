"""common.confirms against the real broker: a batch goes out on one confirm-mode channel,
in order, and each message's outcome (delivered, returned as unroutable) is reported by
its outbox row id, so the outbox marks sent exactly what the broker accepted."""
from __future__ import annotations

import socket
import time
import uuid
from contextlib import contextmanager
from typing import Iterator

import pytest
from kombu import Connection, Exchange, Queue

from common.confirms import BatchPublisher, Outgoing
from common.messaging import settle_together

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


def test_a_message_encoded_ahead_goes_out_as_its_text(stack, exchange_and_queue):
    """common.feed encodes each event once; the publisher sends that text as the JSON
    body (not the dict, and not encoded twice), and the subscriber reads the same JSON."""
    exchange, queue, conn = exchange_and_queue
    publisher = BatchPublisher(stack.env["AMQP_URI"], exchange)
    outcome = publisher.publish([
        Outgoing("a", "bound.x", {"n": 1}, text='{"n": 1, "encoded": "ahead"}'),
        Outgoing("b", "bound.y", {"n": 2})])
    assert outcome.delivered == ["a", "b"]
    received = []
    bound = queue(conn.default_channel)
    while (message := bound.get(no_ack=True)) is not None:
        received.append((message.content_type, message.payload))
    assert received == [("application/json", {"n": 1, "encoded": "ahead"}),
                        ("application/json", {"n": 2})]


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


def test_selection_keys_route_a_message_once_without_its_bcc(stack, exchange_and_queue):
    """A message's selection keys (the `BCC` header) route it to a queue bound under one
    of them only, once to a queue bound under both the routing key and a selection key,
    and the delivered message has its own routing key and no BCC header."""
    exchange, queue, conn = exchange_and_queue
    selected = Queue(f"{exchange.name}.selected", exchange, routing_key="plain.*.up",
                     durable=False)
    both = Queue(f"{exchange.name}.both", exchange, routing_key="plain", durable=False)
    channel = conn.default_channel
    for declared in (selected, both):
        declared(channel).declare()
    both(channel).bind_to(exchange, routing_key="plain.#")
    try:
        outcome = BatchPublisher(stack.env["AMQP_URI"], exchange).publish([
            Outgoing("a", "plain", {"n": 1}, mandatory=True, selection=("plain.x.up",)),
            Outgoing("b", "plain", {"n": 2}, mandatory=True, selection=("plain.x.down",)),
            Outgoing("c", "nowhere", {"n": 3}, mandatory=True, selection=("nowhere.x.y",)),
        ])
        assert outcome.delivered == ["a", "b"] and outcome.returned == ["c"]
        got = selected(channel).get(no_ack=True)
        assert got.payload == {"n": 1} and got.delivery_info["routing_key"] == "plain"
        assert "BCC" not in (got.headers or {})
        assert selected(channel).get(no_ack=True) is None
        assert [b["n"] for b in drain(both, conn)] == [1, 2], "a message delivered twice"
        assert drain(queue, conn) == []
    finally:
        for declared in (selected, both):
            declared(channel).delete()


@contextmanager
def counted_writes(transport) -> Iterator[list[int]]:
    """The sizes of the socket writes py-amqp makes on `transport` meanwhile."""
    writes: list[int] = []
    send = transport._write
    transport._write = lambda data: (writes.append(len(data)), send(data))[1]
    try:
        yield writes
    finally:
        transport._write = send


def test_a_batch_leaves_in_one_socket_write(stack, exchange_and_queue):
    """py-amqp writes each message on its own; the publisher holds a batch's frames and
    writes them at once (the broker then reads one segment, not one per message)."""
    exchange, queue, conn = exchange_and_queue
    publisher = BatchPublisher(stack.env["AMQP_URI"], exchange)
    assert publisher.publish([Outgoing("warm", "bound.x", {"n": -1})]).delivered == ["warm"]
    transport = publisher._idle[0].connection.transport  # the connection it reuses
    with counted_writes(transport) as writes:
        outcome = publisher.publish([Outgoing(f"row{n}", "bound.event", {"n": n})
                                     for n in range(100)])
    assert len(outcome.delivered) == 100
    assert len(writes) <= 4, writes  # channel open, confirm mode, the batch, channel close
    assert [b["n"] for b in drain(queue, conn)] == [-1, *range(100)]


def received(queue, conn, count: int) -> list:
    """`count` messages delivered to a consumer with manual acknowledgement, unsettled."""
    messages: list = []
    with conn.Consumer(queue, callbacks=[lambda body, message: messages.append(message)],
                       prefetch_count=count):
        while len(messages) < count:
            conn.drain_events(timeout=5)
    return messages


def ready(queue, conn) -> int:
    return queue(conn.default_channel).queue_declare(passive=True).message_count


def test_a_batch_of_acks_leaves_in_one_socket_write(stack, exchange_and_queue):
    """A batch entrypoint's acknowledgements go out in one write per connection (py-amqp
    writes each on its own), and every message is settled."""
    exchange, queue, conn = exchange_and_queue
    publisher = BatchPublisher(stack.env["AMQP_URI"], exchange)
    publisher.publish([Outgoing(f"row{n}", "bound.event", {"n": n}) for n in range(100)])
    with Connection(stack.env["AMQP_URI"]) as consumer:
        messages = received(queue, consumer, 100)
        with counted_writes(consumer.connection.transport) as writes:
            settle_together(lambda message: message.ack(), messages)
        assert len(writes) == 1, writes
    assert ready(queue, conn) == 0, "an acknowledgement was lost: the message came back"


def test_settling_on_a_dead_connection_leaves_the_batch_with_the_broker(
        stack, exchange_and_queue):
    exchange, queue, conn = exchange_and_queue
    BatchPublisher(stack.env["AMQP_URI"], exchange).publish(
        [Outgoing(f"row{n}", "bound.event", {"n": n}) for n in range(20)])
    consumer = Connection(stack.env["AMQP_URI"])
    messages = received(queue, consumer, 20)
    consumer.connection.transport.sock.shutdown(socket.SHUT_RDWR)  # the broker goes away
    settle_together(lambda message: message.ack(), messages)  # logs, does not raise
    consumer.release()
    deadline = time.monotonic() + 10
    while ready(queue, conn) < 20 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ready(queue, conn) == 20

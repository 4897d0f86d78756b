"""A consume entrypoint that survives messages kombu cannot decode.

With nameko's own consumer, a body that is not valid JSON (or has a content type
we do not accept, or bytes that are not UTF-8) raises inside kombu before any
handler runs; the consumer reconnects and the broker redelivers the same message
for ever. Here such a message reaches the handler as an `UNDECODABLE` marker with
the reason and the raw bytes, so the handler can store it as a reject and
acknowledge it.

`install_safe_acks()` (called by the runner) fixes a nameko 2.14 crash found by the
broker-restart fault test: a worker that finishes after the broker connection
dropped acks on the dead socket; nameko only catches amqp's ConnectionError, so the
socket's ConnectionResetError escapes the worker and kills the whole container (the
service process exits instead of reconnecting). An ack or requeue on a dead
connection is meaningless anyway: the broker has already requeued the message, and
redelivery is idempotent.
"""
from __future__ import annotations

import logging
from contextlib import nullcontext
from functools import partial
from typing import Any, Callable

from amqp.exceptions import ConnectionError as AmqpConnectionError
from amqp.exceptions import RecoverableConnectionError
from kombu.exceptions import OperationalError
from nameko.messaging import Consumer, QueueConsumer

from .cork import corked

log = logging.getLogger(__name__)
DEAD_CONNECTION = (OSError, AmqpConnectionError, RecoverableConnectionError, OperationalError)

UNDECODABLE = "__undecodable__"
RAW_CAP = 64 * 1024


class TolerantQueueConsumer(QueueConsumer):
    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = partial(self._undecodable, provider)
        return consumers

    def _undecodable(self, provider, message, exc) -> None:
        raw = message.body if isinstance(message.body, bytes) else str(message.body).encode()
        body = {UNDECODABLE: True, "error": f"{type(exc).__name__}: {exc}"[:500],
                "content_type": message.content_type, "size": len(raw),
                "raw": raw[:RAW_CAP].decode("utf-8", errors="replace")}
        self.handle_message(provider, body, message)


class TolerantConsumer(Consumer):
    queue_consumer = TolerantQueueConsumer()


tolerant_consume = TolerantConsumer.decorator


def _settle(verb: str):
    def settle(self, message) -> None:
        if not message.channel.connection:
            return
        try:
            getattr(message, verb)()
        except DEAD_CONNECTION as exc:
            log.warning("could not %s message %s (%s): the broker redelivers it",
                        verb, message.delivery_tag, type(exc).__name__)
    settle.__name__ = f"{verb}_message"
    return settle


def settle_together(settle: Callable[[Any], None], messages: list) -> None:
    """Settle (ack or requeue) a batch's messages with one socket write per connection
    (common/cork.py) instead of one per message: 17 acknowledgements per customer
    otherwise reach the broker as 17 segments. Messages whose connection is gone are
    skipped by `settle`; a connection that dies while the batch's frames are written
    leaves them with the broker, which redelivers them."""
    by_transport: dict[int, tuple[Any, list]] = {}
    for message in messages:
        connection = message.channel.connection
        transport = connection.transport if connection else None
        by_transport.setdefault(id(transport), (transport, []))[1].append(message)
    for transport, group in by_transport.values():
        try:
            with corked(transport) if transport is not None else nullcontext():
                for message in group:
                    settle(message)
        except DEAD_CONNECTION as exc:
            log.warning("could not settle %d messages (%s): the broker redelivers them",
                        len(group), type(exc).__name__)


def install_safe_acks() -> None:
    """Make nameko's ack/requeue on a dead connection a logged no-op (see above)."""
    QueueConsumer.ack_message = _settle("ack")
    QueueConsumer.requeue_message = _settle("requeue")

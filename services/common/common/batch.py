"""Batches as units of work: an event entrypoint that hands its handler a list.

One message at a time cost every service a chain of single-document round trips per
customer. `batch_event_handler` (and `batch_consume` for a plain queue) gathers up to
`batch_size` payloads, or whatever arrived within `batch_wait_ms` of the first one,
and calls the handler once with them; the handler reads once per collection, decides
in pure code and commits the batch as one unit of work. An event handler's messages
are batch messages (contracts.batches: one per event type and publish pass of its
source), whose events become payloads of their own; a batch takes whole messages. The
messages are acknowledged only when the handler returned, so a crash anywhere before
leaves every one of them with the broker, which redelivers them (handlers are
idempotent).

A plain queue's prefetch is twice the batch size, so the next batch gathers while the
current one runs; an event handler's is nameko's default, its messages holding many
events each. One batch per entrypoint runs at a time in a process (more replicas, more
batches). Queue names stay nameko's, `evt-<source>-<type>--<service>.<method>`.

`reliable_batch` is `reliable` for a list: a transient failure retries the whole
batch in place, unacknowledged; a permanent failure splits the batch in halves until
the bad message is alone, and that one goes through `reliable` (bounded attempts,
then parked with its reason) while the others commit. Parked rows hold one message
each, and `parked_replay` calls the entrypoint with that one payload. Every run of a
message gets the same payload object: a failed run may have committed part of its
work, which the next run finds by the payload's delivery id (common/delivery.py).
"""
from __future__ import annotations

import functools
import logging
from functools import partial
from typing import Any, Callable

import eventlet
from kombu import Queue, binding
from nameko.containers import ContainerBeingKilled
from nameko.events import EventHandler
from prometheus_client import Histogram

from contracts.batches import batch_key, events_in

from .delivery import delivery_of, redelivered, sender, with_sender  # noqa: F401 - re-exported
from .inflight import busy
from .messaging import TolerantConsumer, TolerantQueueConsumer, settle_together
from .metrics import MESSAGES_CONSUMED
from .reliability import is_transient, reliable, retry_transient

log = logging.getLogger(__name__)
DEFAULT_SIZE = 200
DEFAULT_WAIT_MS = 50
BATCH_SIZE = Histogram(
    "crm_batch_size", "Messages per batch handed to a handler.", ["service", "handler"],
    buckets=(1, 2, 5, 10, 25, 50, 100, 200, 500, 1000))
BATCH_SECONDS = Histogram(
    "crm_batch_duration_seconds", "Time spent on one batch (its unit of work).",
    ["service", "handler"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))


class BatchQueueConsumer(TolerantQueueConsumer):
    """nameko's queue consumer (one connection per service) with a prefetch that lets a
    whole batch, and the next one, be delivered."""

    @property
    def prefetch_count(self) -> int:
        """Twice a batch of messages for a plain queue's consumer (ingestion's intake:
        a record or an array per message); for event handlers alone, nameko's default
        (max_workers): their messages are batch messages of up to contracts.batches.MAX_EVENTS
        events, and a lagging consumer must not hold thousands of them in memory."""
        sizes = [2 * getattr(p, "size", 0) for p in self._providers
                 if not isinstance(p, BatchEventHandler)]
        return max([self.container.max_workers, *sizes])


class _Batching:
    """What turns a nameko consumer into a batch entrypoint: messages are buffered and
    handed to one worker as a list (see the module's docstring). Mixed in before
    nameko's Consumer or EventHandler, whose queue declarations stay as they are."""

    queue_consumer = BatchQueueConsumer()

    def __init__(self, *args, senders: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.senders = senders  # hand the handler with_sender payloads
        self.size = DEFAULT_SIZE
        self.wait = DEFAULT_WAIT_MS / 1000
        self._pending: list[tuple[Any, Any]] = []
        self._timer = None
        self._running = False
        self._stopping = False

    def setup(self) -> None:
        config = self.container.config
        self.size = max(1, int(config.get("batch_size") or DEFAULT_SIZE))
        self.wait = max(0, int(config.get("batch_wait_ms") or DEFAULT_WAIT_MS)) / 1000
        super().setup()

    def stop(self) -> None:
        """Buffered messages are left unacknowledged: the broker redelivers them."""
        self._stopping = True
        if self._timer is not None:
            self._timer.cancel()
        super().stop()

    def handle_message(self, body, message) -> None:
        self._pending.extend((payload, message) for payload in self.payloads(body))
        if len(self._pending) >= self.size:
            self._flush()
        elif self._timer is None:
            self._timer = eventlet.spawn_after(self.wait, self._flush)

    def payloads(self, body) -> list:
        """The payloads one message carries: itself."""
        return [body]

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._running or self._stopping or not self._pending:
            return
        taken, self._pending = take(self._pending, self.size)
        bodies = [with_sender(b, m) if self.senders else b for b, m in taken]
        messages = list({id(m): m for _, m in taken}.values())  # each settled once
        self._running = True
        try:
            self.container.spawn_worker(
                self, (bodies,), {}, context_data=self.unpack_message_headers(messages[0]),
                handle_result=partial(self._finished, messages))
        except ContainerBeingKilled:
            self._running = False
            for message in messages:
                self.queue_consumer.requeue_message(message)

    def _finished(self, messages: list, worker_ctx, result=None, exc_info=None):
        """Ack the batch once its unit of work returned; requeue it if the handler
        raised (reliable_batch parks instead of raising, so that means parking failed)."""
        settle = self.queue_consumer.ack_message if exc_info is None \
            else self.queue_consumer.requeue_message
        settle_together(settle, messages)
        self._running = False
        if self._pending:
            eventlet.spawn_n(self._flush)
        return result, exc_info


class BatchEventHandler(_Batching, EventHandler):
    """`@event_handler`, in batches, fed by batch messages: its queue (nameko's name) is
    bound under `batch.<event type>` (contracts.batches) on the source's exchange, not
    under the event type, so each of the source's publish passes reaches it as one
    delivery; a single event published under the batch key is taken too."""

    def payloads(self, body) -> list:
        """A batch message's events (contracts.batches), each a payload of its own; any
        other body is one payload (validated, and parked if invalid, by the handler)."""
        return events_in(body) or [body]

    def binding_keys(self) -> tuple[str, ...]:
        return (batch_key(self.event_type),)

    def setup(self) -> None:
        super().setup()
        queue = self.queue
        self.queue = Queue(queue.name, durable=queue.durable, auto_delete=queue.auto_delete,
                           exclusive=queue.exclusive,
                           bindings=[binding(queue.exchange, routing_key=k)
                                     for k in self.binding_keys()])


class BatchConsumer(_Batching, TolerantConsumer):
    """`@tolerant_consume(queue)`, in batches: an undecodable body reaches the handler
    as common.messaging's UNDECODABLE marker, like any other payload of the batch."""


batch_consume = BatchConsumer.decorator
batch_event_handler = BatchEventHandler.decorator


def take(pending: list[tuple[Any, Any]], size: int) -> tuple[list, list]:
    """(the next batch, the rest) of buffered (payload, message) pairs: `size` payloads,
    or more to finish the last message's, so a message is settled after all its events
    were handled, never between two batches."""
    cut = min(size, len(pending))
    while 0 < cut < len(pending) and pending[cut][1] is pending[cut - 1][1]:
        cut += 1
    return pending[:cut], pending[cut:]


def reliable_batch(handler: Callable) -> Callable:
    """Run `handler(self, payloads)` as one unit of work, never letting a message vanish
    (see the module's docstring). Accepts one payload too (a parked message replayed)."""
    single = reliable(_as_single(handler))

    @functools.wraps(handler)
    def wrapper(self, payloads) -> None:
        if isinstance(payloads, dict):  # one payload replayed, or a whole batch message
            batch = events_in(payloads) or [payloads]
        else:
            batch = list(payloads)
        BATCH_SIZE.labels(self.name, handler.__name__).observe(len(batch))
        with busy():
            _run(self, handler, single, batch)
    return wrapper


def _as_single(handler: Callable) -> Callable:
    def one(self, payload):
        return handler(self, [payload])
    one.__name__ = handler.__name__  # the parked row names the entrypoint to replay
    return one


def _run(service, handler: Callable, single: Callable, batch: list) -> None:
    if len(batch) == 1:
        single(service, batch[0])
        return
    labels = (service.name, handler.__name__)
    transient = 0
    while True:
        try:
            with BATCH_SECONDS.labels(*labels).time():
                handler(service, batch)
            MESSAGES_CONSUMED.labels(*labels).inc(len(batch))
            return
        except Exception as exc:  # noqa: BLE001 - sorted below, never swallowed
            if is_transient(exc):
                transient += 1
                if retry_transient(service, labels, transient, exc,
                                   f"{handler.__name__} (batch of {len(batch)})"):
                    continue
            log.warning("%s: batch of %d failed (%s): splitting it to isolate the message",
                        handler.__name__, len(batch), type(exc).__name__)
            middle = len(batch) // 2
            _run(service, handler, single, batch[:middle])
            _run(service, handler, single, batch[middle:])
            return

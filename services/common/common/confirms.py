"""Publish a batch of events on one confirm-mode channel and wait for the confirms once.

nameko's publisher waits for each message's confirm before it sends the next one
(`basic_publish_confirm`): a tiering batch of 110 customers sends 330 `tier.changed`
events, and paid 330 sequential round trips to the broker (2.8 s of a 3 s batch, the
pipeline's bottleneck, docs/benchmarks.md). Here the whole batch is written to one
channel in order (so one customer's events keep their order), then the confirms are
collected: the broker acknowledges many messages in one frame (`multiple`).

The batch's frames also leave in one socket write (common/cork.py): py-amqp writes every
message with its own `sendall`, and the broker then reads, and wakes for, one small TCP
segment per message; corked, a tiering batch of 300 events is one write. Measured on the
local stack (docs/benchmarks.md, session 22): the broker's CPU per customer fell by a
third, and the consumers', which receive the routed messages in fuller segments, too.
Nothing waits for the broker inside the cork (the exchange is declared before it).

Outcome per message, by its outbox row id (sent as the AMQP `message_id`):
- confirmed and not returned: delivered, the row is marked sent;
- returned (mandatory and no queue bound; the return always precedes its confirm):
  unroutable, the row stays pending;
- nacked, or unconfirmed when the broker went away or the wait timed out: failed, the
  row stays pending and the sweep publishes it again (subscribers deduplicate on
  `event_id`).
"""
from __future__ import annotations

import socket
from dataclasses import dataclass, field
from time import monotonic
from typing import Any, Callable

from kombu import Connection, Exchange, Producer
from kombu.common import maybe_declare
from kombu.utils.json import dumps as json_dumps

from .cork import corked
from .pii import mask_event

PERSISTENT = 2
JSON = "application/json"


@dataclass(frozen=True)
class Outgoing:
    """One message to publish: its id (an outbox row's, or a batch message's), routing
    key, body and options. `selection`: further routing keys, sent in the `BCC` header
    (contracts.selection); `masked`: the body is masked already (a batch message's
    events, each masked as its event type requires); `text`: the masked body encoded
    as JSON already (common.feed), sent as it is."""

    row_id: str
    routing_key: str
    body: dict
    mandatory: bool = False
    selection: tuple[str, ...] = ()
    masked: bool = False
    text: str | None = None


@dataclass
class Outcome:
    delivered: list[str] = field(default_factory=list)
    returned: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    error: Exception | None = None


class _Confirms:
    """Delivery tags still unconfirmed (a channel numbers its publishes from 1)."""

    def __init__(self, count: int):
        self.waiting = set(range(1, count + 1))
        self.nacked: set[int] = set()

    def ack(self, tag: int, multiple: bool) -> None:
        self.waiting -= self._covered(tag, multiple)

    def nack(self, tag: int, multiple: bool) -> None:
        covered = self._covered(tag, multiple)
        self.nacked |= covered
        self.waiting -= covered

    def _covered(self, tag: int, multiple: bool) -> set[int]:
        return {t for t in self.waiting if t <= tag} if multiple else {tag} & self.waiting


class BatchPublisher:
    """Publishes to one exchange through connections of its own: one per concurrent
    batch, kept open between batches; a connection that failed is dropped (a broker
    restart leaves every pooled connection dead), the next batch opens a new one."""

    def __init__(self, amqp_uri: str, exchange: Exchange, serializer: str = "json",
                 ssl=None, login_method=None, confirm_timeout: float = 30.0):
        self._connect = lambda: Connection(amqp_uri, ssl=ssl, login_method=login_method)
        self._idle: list[Connection] = []
        self.exchange = exchange
        self.serializer = serializer
        self.confirm_timeout = confirm_timeout

    def publish(self, messages: list[Outgoing], headers: dict | None = None) -> Outcome:
        if not messages:
            return Outcome()
        conn = self._idle.pop() if self._idle else self._connect()
        try:
            outcome = self._publish_on(conn, messages, headers or {})
        except (OSError, *conn.connection_errors, *conn.channel_errors) as exc:
            _close_quietly(conn)
            return Outcome(failed=[m.row_id for m in messages], error=exc)
        if outcome.error is None:
            self._idle.append(conn)
        else:  # confirms still owed on this connection: never reuse it
            _close_quietly(conn)
        return outcome

    @property
    def encoder(self) -> Callable[[Any], str] | None:
        """What encodes a body as this publisher would (common.feed encodes each event
        once with it), or None when it does not publish JSON."""
        return json_dumps if self.serializer == "json" else None

    def close(self) -> None:
        while self._idle:
            _close_quietly(self._idle.pop())

    def _publish_on(self, conn, messages: list[Outgoing], headers: dict) -> Outcome:
        channel = conn.channel()
        try:
            channel.confirm_select()
            confirms, returned = _Confirms(len(messages)), set()
            channel.events["basic_ack"].add(confirms.ack)
            channel.events["basic_nack"].add(confirms.nack)
            maybe_declare(self.exchange, channel)  # once per connection, before the cork
            producer = Producer(channel, exchange=self.exchange, serializer=self.serializer,
                                auto_declare=False,
                                on_return=lambda exc, exchange, key, message: returned.add(
                                    message.properties.get("message_id")))
            with corked(conn.connection.transport):
                for message in messages:
                    body, content = _body(message)
                    producer.publish(body, routing_key=message.routing_key,
                                     headers=_with_selection(headers, message.selection),
                                     delivery_mode=PERSISTENT,
                                     mandatory=message.mandatory, message_id=message.row_id,
                                     retry=False, **content)
            error = self._await(conn, confirms)
        finally:
            _close_quietly(channel)
        return _outcome(messages, confirms, returned, error)

    def _await(self, conn, confirms: _Confirms) -> Exception | None:
        deadline = monotonic() + self.confirm_timeout
        while confirms.waiting:
            left = deadline - monotonic()
            if left <= 0:
                return TimeoutError(f"{len(confirms.waiting)} publisher confirms not received")
            try:
                conn.drain_events(timeout=left)
            except socket.timeout:
                continue
        return None


def _outcome(messages: list[Outgoing], confirms: _Confirms, returned: set,
             error: Exception | None) -> Outcome:
    outcome = Outcome(error=error)
    for tag, message in enumerate(messages, start=1):
        if message.row_id in returned:
            outcome.returned.append(message.row_id)
        elif tag in confirms.waiting or tag in confirms.nacked:
            outcome.failed.append(message.row_id)
        else:
            outcome.delivered.append(message.row_id)
    return outcome


def _body(message: Outgoing) -> tuple[str | dict, dict]:
    """(the body to publish, its content options): the JSON text when the message
    carries it (made by `BatchPublisher.encoder`), else the masked body to serialize."""
    if message.text is not None:
        return message.text, {"content_type": JSON, "content_encoding": "utf-8"}
    body = message.body if message.masked else mask_event(message.routing_key, message.body)
    return body, {}


def _with_selection(headers: dict, selection: tuple[str, ...]) -> dict:
    """The batch's headers, and the message's selection keys as `BCC`: the broker routes
    the message under those too and strips the header before delivering it."""
    return {**headers, "BCC": list(selection)} if selection else headers


def _close_quietly(resource) -> None:
    try:
        resource.close()
    except Exception:  # the connection is gone already: nothing left to close
        pass

"""`crm deadletters list|replay`: the broker's dead-letter queue, read over AMQP.

A pipeline queue hands what it rejects without requeue (or what expires in it) to the
`crm.dead-letter` exchange, whose queue `dead-letters` nothing consumes (alert
CrmDeadLetters). `list` takes every message without acknowledging it and then closes the
channel, so the broker puts each one back where it was. `replay` republishes a message to
the exchange and routing key it had before it died (its `x-death` header), waits for the
broker's confirm, and only then acknowledges it in `dead-letters`: a replay that fails
(unroutable, refused) leaves the message where it was.

Bodies are never printed (an intake record holds personal data); the listing shows where a
message came from, why it died, when, and its size.
"""
from __future__ import annotations

import hashlib
import urllib.parse
from dataclasses import asdict, dataclass
from datetime import datetime

from kombu import Connection

from .client import stack_env
from .listing import add_options, show
from .parsers import command, group

DEAD_LETTER_QUEUE = "dead-letters"  # tools.stack.access.DEAD_LETTER_QUEUE
MAX_MESSAGES = 10_000
# headers RabbitMQ adds when it dead-letters a message: dropped from a replay, so the
# message starts afresh (a later death is again the first)
_DEATH_HEADERS = ("x-death", "x-first-death-queue", "x-first-death-reason",
                  "x-first-death-exchange", "x-last-death-queue", "x-last-death-reason",
                  "x-last-death-exchange")


@dataclass(frozen=True)
class DeadLetter:
    id: str
    queue: str
    exchange: str
    routing_key: str
    reason: str
    count: int
    died_at: str
    user_id: str | None
    size: int


def letter_id(body: bytes, properties: dict) -> str:
    """The message's own message_id, else a hash of its body: stable between two calls,
    so an id shown by `list` names the same message for `replay`."""
    return str(properties.get("message_id") or hashlib.sha256(body).hexdigest()[:16])


def describe(body: bytes, properties: dict) -> DeadLetter:
    """Where a dead-lettered message came from and why it died (its latest death)."""
    headers = properties.get("application_headers") or {}
    death = (headers.get("x-death") or [{}])[0]
    keys = death.get("routing-keys") or [""]
    died = death.get("time")
    return DeadLetter(
        id=letter_id(body, properties), queue=_text(death.get("queue")),
        exchange=_text(death.get("exchange")), routing_key=_text(keys[0]),
        reason=_text(death.get("reason")), count=int(death.get("count") or 0),
        died_at=died.isoformat() if isinstance(died, datetime) else _text(died),
        user_id=properties.get("user_id"), size=len(body))


def replay_key(letter: DeadLetter) -> str:
    """The routing key to send a dead letter back under: its own, except for an event that
    died in a pipeline queue under its event type (before that queue was bound under the
    type's batch key, contracts.batches): the batch key, the only one the queue has now."""
    from contracts.batches import PREFIX, batch_key
    from contracts.subscriptions import in_batches
    key = letter.routing_key
    if letter.queue.startswith("evt-") and not key.startswith(PREFIX) and in_batches(key):
        return batch_key(key)
    return key


def replay_properties(properties: dict) -> dict:
    """The message's properties without its death record and without an expiration
    (an expired message would only die again)."""
    out = {k: v for k, v in properties.items() if k != "expiration"}
    headers = {k: v for k, v in (properties.get("application_headers") or {}).items()
               if k not in _DEATH_HEADERS}
    out["application_headers"] = headers
    return out


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value or "")


def _raw(message) -> bytes:
    """The body as bytes (py-amqp hands a decoded str when the message names an encoding)."""
    body = message.body
    if isinstance(body, str):
        return body.encode(message.properties.get("content_encoding") or "utf-8")
    return bytes(body)


def _user(uri: str) -> str:
    return urllib.parse.unquote(urllib.parse.urlsplit(uri).username or "guest")


def _take_all(channel) -> list:
    """Every message of the queue, unacknowledged (the caller's channel close requeues
    the ones it does not acknowledge)."""
    messages = []
    while len(messages) < MAX_MESSAGES:
        message = channel.basic_get(DEAD_LETTER_QUEUE, no_ack=False)
        if message is None:
            break
        messages.append(message)
    return messages


def list_letters(uri: str) -> list[DeadLetter]:
    with Connection(uri) as conn:
        channel = conn.channel()
        try:
            return [describe(_raw(m), m.properties) for m in _take_all(channel)]
        finally:
            channel.close()  # every message goes back, unacknowledged


def replay(uri: str, letter: str | None) -> tuple[list[str], list[str]]:
    """Republish the message(s) with id `letter` (None: all). -> (replayed ids, errors)."""
    import amqp

    done, errors = [], []
    with Connection(uri, transport_options={"confirm_publish": True}) as conn:
        channel = conn.channel()
        try:
            for message in _take_all(channel):
                body = _raw(message)
                found = describe(body, message.properties)
                if letter is not None and found.id != letter:
                    continue
                if found.user_id and found.user_id != _user(uri):
                    errors.append(f"{found.id}: published by broker user {found.user_id!r}; "
                                  "the broker lets only that user send it as itself: left in "
                                  f"{DEAD_LETTER_QUEUE} (ask the sender to publish it again)")
                    continue
                try:
                    channel.basic_publish(amqp.Message(body, **replay_properties(message.properties)),
                                          exchange=found.exchange, routing_key=replay_key(found),
                                          mandatory=True)
                except (amqp.exceptions.AMQPError, amqp.exceptions.MessageNacked) as exc:
                    errors.append(f"{found.id}: not replayed ({exc}); left in {DEAD_LETTER_QUEUE}")
                    break  # the broker closed the channel: the rest go back by themselves
                channel.basic_ack(message.delivery_tag)
                done.append(found.id)
        finally:
            if channel.is_open:
                channel.close()
    return done, errors


def cmd_list(args) -> int:
    rows = [asdict(d) for d in list_letters(stack_env()["AMQP_URI"])]
    show(rows, args, ["id", "queue", "exchange", "routing_key", "reason", "count", "died_at",
                      "size"], what="dead letters")
    return 0


def cmd_replay(args) -> int:
    if bool(args.id) == bool(args.all):
        raise SystemExit("crm deadletters replay: give one message ID or --all")
    done, errors = replay(stack_env()["AMQP_URI"], None if args.all else args.id)
    print(f"replayed {len(done)} message(s)")
    for error in errors:
        print(f"crm deadletters replay: {error}")
    if args.id and not done and not errors:
        raise SystemExit(f"crm deadletters replay: no message {args.id} in {DEAD_LETTER_QUEUE}")
    return 1 if errors else 0


def add_parsers(sub) -> None:
    """`crm deadletters list [--json] [--limit N]` and `crm deadletters replay [ID|--all]`."""
    actions = group(sub, "deadletters", "messages the broker dead-lettered (list, replay)")
    listing = command(actions, "list", "where each dead letter came from and why it died",
                      "crm deadletters list", "crm deadletters list --json")
    add_options(listing, default=None, what="dead letters")
    listing.set_defaults(func=cmd_list)
    again = command(actions, "replay",
                    "publish dead letters again to their original exchange and routing key",
                    "crm deadletters replay 3f1c9a0b7d2e4c61", "crm deadletters replay --all")
    again.add_argument("id", nargs="?", help="the id `crm deadletters list` shows")
    again.add_argument("--all", action="store_true", help="replay every dead letter")
    again.set_defaults(func=cmd_replay)

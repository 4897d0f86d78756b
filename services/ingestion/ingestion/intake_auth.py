"""Who sent an intake input, and which of its records that client may write.

HTTP callers prove who they are with `Authorization: Bearer <token>`; AMQP publishers
with the message's `user_id`, which RabbitMQ refuses unless it names the connection's
own user. Either way the client found (ingestion's `clients`) decides per record: a
record of a source the client may not write never reaches the pipeline.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

from common.batch import delivery_of, redelivered, sender, with_sender
from common.messaging import UNDECODABLE, TolerantConsumer

from .domain.clients import may_write
from .redelivery import Origin

UNAUTHENTICATED = "unauthenticated"
SOURCE_NOT_ALLOWED = "source_not_allowed"
ERASE_NOT_ALLOWED = "erase_not_allowed"
NO_USER_ID = "the message carries no user_id naming an active client's broker user"


class SenderConsumer(TolerantConsumer):
    """`@tolerant_consume(queue)` whose handler gets `with_sender` payloads."""

    def handle_message(self, body, message) -> None:
        super().handle_message(with_sender(body, message), message)


sender_consume = SenderConsumer.decorator


def source_of(raw: Any) -> Any:
    return raw.get("source") if isinstance(raw, dict) else None


def forbidden(client: dict, raw: Any) -> list[str] | None:
    """The error of a record its client may not write, else None."""
    source = source_of(raw)
    if may_write(client, source):
        return None
    return [f"client {client['_id']} may not write source {source!r}"]


def forbidden_result(errors: list[str]) -> dict:
    """A refused record's place in an HTTP array's results."""
    return {"status": "rejected", "code": 403, "reason": SOURCE_NOT_ALLOWED, "errors": errors}


def split_records(client: dict, records: list) -> tuple[list[int], dict[int, list[str]]]:
    """(positions of the records the client may write, position -> error of the others)."""
    allowed, refused = [], {}
    for i, raw in enumerate(records):
        errors = forbidden(client, raw)
        if errors is None:
            allowed.append(i)
        else:
            refused[i] = errors
    return allowed, refused


def sort_inputs(sent: Iterable[tuple[str | None, Any, Origin]],
                client_of: Callable[[str | None], dict | None]) -> tuple[list, list]:
    """An AMQP batch's (sender, body, origin) -> (the records their clients may write
    as (raw, origin), the refused inputs as (reason, errors, raw, origin)), each origin
    at the input's place in its message. A body is one record or an array."""
    records, refused = [], []
    for user, body, came in sent:
        client = client_of(user)
        if client is None:
            refused.append((UNAUTHENTICATED, [NO_USER_ID], body, came))
        elif undecodable(body):
            refused.append(("undecodable", [body["error"]], body["raw"], came))
        else:
            for index, raw in enumerate(body if isinstance(body, list) else [body]):
                errors = forbidden(client, raw)
                if errors is None:
                    records.append((raw, came.at(index)))
                else:
                    refused.append((SOURCE_NOT_ALLOWED, errors, raw, came.at(index)))
    return records, refused


def delivered(payloads: Iterable[Any]) -> list[tuple[str | None, Any, Origin]]:
    """`with_sender` payloads as sort_inputs takes them: (sender, body, origin)."""
    return [(*sender(payload), Origin(redelivered(payload), delivery_of(payload)))
            for payload in payloads]


def undecodable(body: Any) -> bool:
    """The tolerant consumer's marker, not an upstream body that merely looks like it."""
    return (isinstance(body, dict) and body.get(UNDECODABLE) is True
            and isinstance(body.get("error"), str) and isinstance(body.get("raw"), str))

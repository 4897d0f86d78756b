"""A consumed message's payload with what the broker said of its delivery.

`with_sender` pairs a body with the broker user that published it, marks it
`redelivered` when the broker delivered it before (a worker died before its
acknowledgement, maybe after its commit), and names this delivery with a fresh
`delivery` id. The payload dict is what every run of the delivery gets: a batch
retried in place, the halves of a split batch, a single message's retries, the
parked row and its replay. A failed run may have committed part of its work (an
array's earlier slices, or a commit whose answer was lost), so what a handler keeps
without a key of its own (ingestion's rejects) takes an id derived from the delivery
id, and a later run of the same delivery finds it (ingestion/redelivery.py).
"""
from __future__ import annotations

from typing import Any

from bson import ObjectId

SENDER = "__sender__"
REDELIVERED = "redelivered"
DELIVERY = "delivery"


def with_sender(body: Any, message: Any) -> dict:
    """A payload paired with the broker user that published it (the AMQP `user_id`
    property, which RabbitMQ checks against the connection's user; None when the
    publisher set none), and marked `redelivered` when the broker delivered it before
    (a worker that died before its acknowledgement may have committed it). The pair
    travels as one payload, so a batch split or a parked message keeps both."""
    payload = {SENDER: (message.properties or {}).get("user_id"), "body": body,
               DELIVERY: str(ObjectId())}
    if (getattr(message, "delivery_info", None) or {}).get("redelivered"):
        payload[REDELIVERED] = True
    return payload


def sender(payload: Any) -> tuple[str | None, Any]:
    """(user_id, body) of a `with_sender` payload; (None, payload) for anything else."""
    if isinstance(payload, dict) and SENDER in payload and "body" in payload:
        user = payload[SENDER]
        return (user if isinstance(user, str) and user else None), payload["body"]
    return None, payload


def redelivered(payload: Any) -> bool:
    """Whether a `with_sender` payload came from a message handled before: what it
    kept may exist already (a plain payload, parked before the mark existed: False)."""
    return isinstance(payload, dict) and SENDER in payload and payload.get(REDELIVERED) is True


def delivery_of(payload: Any) -> str | None:
    """The id of this delivery of a `with_sender` payload (the same in every run of it;
    None for a payload parked before deliveries were named)."""
    value = payload.get(DELIVERY) if isinstance(payload, dict) and SENDER in payload else None
    return value if isinstance(value, str) and ObjectId.is_valid(value) else None

"""A consumed message's payload with what the broker said of its delivery.

`with_sender` pairs a body with the broker user that published it and marks it
`redelivered` when it may have been handled before. The broker marks a message it
delivers again after a worker died before acknowledging it; `mark_redelivered` marks
a payload that this process runs again after a failure (a transient error retried in
place, a batch split to isolate a bad message, a single message's retry), since the
failed run may have committed part of its work (an array's earlier slices, or a
commit whose answer was lost). Either way the handler must not keep what the earlier
run kept (ingestion's rejects: ingestion/redelivery.py).
"""
from __future__ import annotations

from typing import Any

SENDER = "__sender__"
REDELIVERED = "redelivered"


def with_sender(body: Any, message: Any) -> dict:
    """A payload paired with the broker user that published it (the AMQP `user_id`
    property, which RabbitMQ checks against the connection's user; None when the
    publisher set none), and marked `redelivered` when the broker delivered it before
    (a worker that died before its acknowledgement may have committed it). The pair
    travels as one payload, so a batch split or a parked message keeps both."""
    payload = {SENDER: (message.properties or {}).get("user_id"), "body": body}
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


def mark_redelivered(payloads: list) -> None:
    """Mark the `with_sender` payloads among `payloads`, in place, as handled before:
    they run again after a failed run (see the module's docstring). Other payloads are
    left as they are: their handlers are idempotent by the ids they carry."""
    for payload in payloads:
        if isinstance(payload, dict) and SENDER in payload:
            payload[REDELIVERED] = True

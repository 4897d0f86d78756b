"""Accounting helpers for the stack fuzz tests: what the broker would decode, what was stored."""
from __future__ import annotations

import time
from datetime import datetime, timezone

from kombu.serialization import loads as kombu_loads, prepare_accept_content
from pymongo import MongoClient

from common.messaging import UNDECODABLE

ACCEPT = prepare_accept_content(["json"])  # what nameko's consumers accept by default
# An RPC error is clear when the service raised on purpose (a validation or lookup
# error with a message), not when the input tripped over its code.
CLEAR_ERRORS = {"ValueError", "LookupError", "KeyError", "InvalidRules", "CorrectionError",
                "ValidationError", "IncorrectSignature", "MalformedRequest", "PermissionError"}


def decoded(body: bytes, content_type: str, content_encoding: str):
    """The body as ingestion's consumer sees it, or an exception. py-amqp first decodes
    a body with its `content_encoding` (left as bytes when that fails: "binary", an
    unknown codec, bytes that are not UTF-8), then kombu decodes the content type. Bytes
    that are not UTF-8 sent as latin-1 thus reach the consumer as text, and a JSON array
    among them as its elements (found in CI: kombu alone predicted one reject, the
    consumer kept one per element)."""
    try:
        body = body.decode(content_encoding)
    except Exception:  # noqa: BLE001 - py-amqp keeps the bytes on any failure
        pass
    try:
        return kombu_loads(body, content_type, content_encoding, accept=ACCEPT)
    except Exception as exc:  # noqa: BLE001 - the consumer turns every one into a reject
        return exc


def expected_outcomes(value) -> int:
    """How many records/rejects one AMQP message must end as."""
    if isinstance(value, Exception):
        return 1
    if isinstance(value, dict) and value.get(UNDECODABLE):
        return 1
    return len(value) if isinstance(value, list) else 1


def db(stack):
    return MongoClient(stack.mongo_uri("ingestion"))["crm_ingestion"]


def now() -> datetime:
    return datetime.now(timezone.utc)


def count_records(stack, source: str) -> int:
    return db(stack)["records"].count_documents({"source": source})


def rejects_since(stack, channel: str, since: datetime) -> list[dict]:
    return list(db(stack)["rejects"].find({"channel": channel, "received_at": {"$gte": since}},
                                          {"raw": 0}))


def rejects_summary(rejects: list[dict], ends: int = 5) -> str:
    """What a miscount needs to be traced: the rejects by reason, and the earliest and
    latest ones (a stray from outside the test shows at either end)."""
    by_reason: dict[str, int] = {}
    for reject in rejects:
        by_reason[reject["reason"]] = by_reason.get(reject["reason"], 0) + 1
    ordered = sorted(rejects, key=lambda r: r["received_at"])
    shown = ordered if len(ordered) <= 2 * ends else ordered[:ends] + ordered[-ends:]
    lines = [f"rejects by reason: {by_reason}"] + [
        f"  {r['received_at'].isoformat()} id-time {r['_id'].generation_time.isoformat()} "
        f"{r['reason']} {r.get('source')!r}/{r.get('external_id')!r} row {r.get('row')} "
        f"{(r['errors'] or [''])[0][:100]!r} {str(r.get('excerpt'))[:100]!r}" for r in shown]
    return "\n".join(lines)


IN_CHUNK = 64  # SecantusDB compares every row an `$in` finds with every value in it


def in_chunks(values, size: int = IN_CHUNK):
    values = list(values)
    return (values[start:start + size] for start in range(0, len(values), size))


def discard_rejects(stack, ids) -> None:
    """Close the fuzz rejects once counted, so they do not crowd `crm rejects list`
    (1,000 rows) for the tests that run after these in the same session. In chunks:
    one `$in` of every id cost the square of their number (a fuzz import can leave
    tens of thousands)."""
    for chunk in in_chunks(ids):
        db(stack)["rejects"].update_many({"_id": {"$in": chunk}, "status": "open"},
                                         {"$set": {"status": "discarded_fuzz"}})


def wait_for_count(probe, expected: int, timeout: float, quiet: float = 5.0) -> int:
    """Poll until probe() == expected (or stays put for `quiet` s after the deadline)."""
    deadline = time.monotonic() + timeout
    value = probe()
    while time.monotonic() < deadline and value < expected:
        time.sleep(1.0)
        value = probe()
    return value


def is_clear_error(exc) -> bool:
    exc_type = getattr(exc, "exc_type", None)
    value = str(getattr(exc, "value", "") or "")
    return exc_type in CLEAR_ERRORS and bool(value.strip())

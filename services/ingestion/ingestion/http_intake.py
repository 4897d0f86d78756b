"""The HTTP intake's use case (`POST /v1/customers`): limits, decoding, then one record
or an array through the one pipeline.

A bank's upstream systems code against these answers, so each says what to do next:
- 401: no valid bearer token (the body is read and dropped, never kept);
- 413: the body or the array is over the configured limits; send smaller requests;
- 400: an undecodable body (kept as a reject) or a single rejected record, with its
  field errors so the sender can repair it;
- 403: a single record of a source the client may not write;
- 202: otherwise, with one result per record in the request's order.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

from werkzeug.wrappers import Response

from . import metrics
from .domain.repair import field_errors
from .handlers import Entry
from .intake_auth import UNAUTHENTICATED, SOURCE_NOT_ALLOWED, forbidden_result, split_records

Judge = Callable[[dict, list], list[dict]]  # (client, records) -> one result per record
Reject = Callable[..., dict]  # (channel, reason, errors, raw) -> the reject's result


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 5_000_000
    max_records: int = 1000


def receive(request: Any, limits: Limits, client: dict | None, judge: Judge,
            reject: Reject) -> Response:
    """The answer to one request from `client` (None: no valid token)."""
    if client is None:
        _discard(request.stream, request.content_length or 0)
        return _unauthorized()
    if (request.content_length or 0) > limits.max_bytes:
        _discard(request.stream, request.content_length)
        return _too_large(limits)
    raw_bytes = request.get_data()
    if len(raw_bytes) > limits.max_bytes:  # chunked bodies carry no Content-Length
        return _too_large(limits)
    try:
        body = json.loads(raw_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        metrics.RECEIVED.labels("http", "-").inc()
        result = reject("http", "undecodable", [_short(exc)],
                        raw_bytes.decode("utf-8", "replace"))
        return _json(400, {**result, "error": "body is not valid UTF-8 JSON"})
    records = body if isinstance(body, list) else [body]
    if len(records) > limits.max_records:
        return _json(413, {"error": f"at most {limits.max_records} records per request"})
    results = judge(client, records)
    if not isinstance(body, list) and results[0].get("code") == 403:
        return _json(403, results[0])
    if not isinstance(body, list) and results[0]["status"] == "rejected":
        return _json(400, {**results[0], "fields": field_errors(results[0]["errors"])})
    return _json(202, {"results": results})


def judged(client: dict, records: list,
           ingest_many: Callable[[list[Entry], str], list[dict]]) -> list[dict]:
    """The array's results in its order: refused records never reach the pipeline."""
    allowed, refused = split_records(client, records)
    done = iter(ingest_many([Entry(records[i]) for i in allowed], "http")) \
        if allowed else iter(())
    for _ in refused:
        metrics.REJECTED.labels("http", SOURCE_NOT_ALLOWED).inc()
    return [forbidden_result(refused[i]) if i in refused else next(done)
            for i in range(len(records))]


def _discard(stream: Any, length: int, cap: int = 64 * 1024 * 1024) -> None:
    """Read a refused body without keeping it: a server that answers before the
    client has sent everything gets its connection reset instead of a 413."""
    left = min(length, cap)
    while left > 0:
        chunk = stream.read(min(left, 65536))
        if not chunk:
            return
        left -= len(chunk)


def _short(exc: Exception) -> str:
    """An error text without the input: UnicodeDecodeError/JSONDecodeError carry none."""
    return f"{type(exc).__name__}: {exc}"[:300]


def _too_large(limits: Limits) -> Response:
    return _json(413, {"error": f"body larger than {limits.max_bytes} bytes"})


def _unauthorized() -> Response:
    response = _json(401, {"error": UNAUTHENTICATED,
                           "detail": "send Authorization: Bearer <token> of an active client"})
    response.headers["WWW-Authenticate"] = 'Bearer realm="crm-intake"'
    return response


def _json(status: int, body: dict) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status,
                    mimetype="application/json")

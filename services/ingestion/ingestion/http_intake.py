"""The HTTP intake's use case (`POST /v1/customers`): limits, decoding, then one record
or an array through the one pipeline.

A bank's upstream systems code against these answers, so each says what to do next:
- 401: no valid bearer token (the body is read and dropped, never kept);
- 413: the body or the array is over the configured limits; send smaller requests;
- 400: an undecodable body (kept as a reject) or a single rejected record, with its
  field errors so the sender can repair it; also an unusable `Idempotency-Key`;
- 403: a single record of a source the client may not write;
- 422: an `Idempotency-Key` the client used before with another body;
- 202: otherwise, with one result per record in the request's order.
A request with an `Idempotency-Key` answered before gets that answer again
(idempotency.py).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable

from bson import ObjectId
from werkzeug.wrappers import Response

from . import metrics
from .domain.repair import field_errors
from .handlers import Entry, Extra
from .idempotency import HEADER, REPLAYED_HEADER, Answered, HttpAnswers, key_problem, mismatch
from .intake_auth import UNAUTHENTICATED, SOURCE_NOT_ALLOWED, forbidden_result, split_records
from .redelivery import Origin

# (client, records, extra: kept in the unit of work) -> one result per record
Judge = Callable[[dict, list, Extra | None], list[dict]]
Reject = Callable[..., dict]  # (channel, reason, errors, raw, extra) -> the reject's result


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 5_000_000
    max_records: int = 1000


@dataclass(frozen=True)
class Memory:
    """Where answers to `Idempotency-Key` requests are kept, and the keyed digest of a
    body (the same key with another body is refused)."""
    answers: HttpAnswers
    digest_of: Callable[[str], str]


def receive(request: Any, limits: Limits, client: dict | None, judge: Judge,
            reject: Reject, memory: Memory) -> Response:
    """The answer to one request from `client` (None: no valid token)."""
    key = request.headers.get(HEADER)
    refused = _refused(request, limits, client, key)
    if refused is not None:
        return refused
    raw_bytes = request.get_data()
    if len(raw_bytes) > limits.max_bytes:  # chunked bodies carry no Content-Length
        return _too_large(limits)
    if key is None:
        return _answer(raw_bytes, limits, client, judge, reject, None)
    digest = memory.digest_of(raw_bytes.decode("utf-8", "replace"))
    prior = memory.answers.prior(client["_id"], key)
    if prior is not None:
        return _replayed(prior, digest)
    try:
        return _answer(raw_bytes, limits, client, judge, reject,
                       partial(memory.answers.keep, client["_id"], key, digest))
    except Answered as done:  # a request with the same key committed first
        return _replayed(done.row, digest)


def _refused(request: Any, limits: Limits, client: dict | None,
             key: str | None) -> Response | None:
    """The answer to a request refused before its body is read, else None."""
    problem = None if client is None or key is None else key_problem(key)
    too_large = (request.content_length or 0) > limits.max_bytes
    if client is None or problem or too_large:
        _discard(request.stream, request.content_length or 0)
    if client is None:
        return _unauthorized()
    if problem:
        return _json(400, {"error": problem})
    return _too_large(limits) if too_large else None


def _answer(raw_bytes: bytes, limits: Limits, client: dict, judge: Judge, reject: Reject,
            keep: Callable[..., None] | None) -> Response:
    """Decode and judge the body; `keep(status, answer, session)` keeps the answer in
    the unit of work that keeps the records or the reject."""
    try:
        body = json.loads(raw_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        metrics.RECEIVED.labels("http", "-").inc()
        extra = None if keep is None else \
            (lambda result, session: keep(*_undecodable(result), session))
        result = reject("http", "undecodable", [_short(exc)],
                        raw_bytes.decode("utf-8", "replace"), extra=extra)
        return _json(*_undecodable(result))
    records = body if isinstance(body, list) else [body]
    if len(records) > limits.max_records:
        return _json(413, {"error": f"at most {limits.max_records} records per request"})
    single = not isinstance(body, list)
    extra = None if keep is None else \
        (lambda results, session: keep(*answer_of(single, results), session))
    return _json(*answer_of(single, judge(client, records, extra)))


def answer_of(single: bool, results: list[dict]) -> tuple[int, dict]:
    """(status, body) for a judged request: a lone record's refusal is its status."""
    if single and results[0].get("code") == 403:
        return 403, results[0]
    if single and results[0]["status"] == "rejected":
        return 400, {**results[0], "fields": field_errors(results[0]["errors"])}
    return 202, {"results": results}


def _undecodable(result: dict) -> tuple[int, dict]:
    return 400, {**result, "error": "body is not valid UTF-8 JSON"}


def _replayed(row: dict, digest: str) -> Response:
    """The answer kept for the key, marked as replayed; 422 when the body differs."""
    if mismatch(row, digest):
        metrics.IDEMPOTENT.labels("mismatch").inc()
        return _json(422, {"error": f"this {HEADER} was used with another body; "
                                    "send a new key for a new request"})
    metrics.IDEMPOTENT.labels("replayed").inc()
    response = _json(row["status"], row["answer"])
    response.headers[REPLAYED_HEADER] = "true"
    return response


def judged(client: dict, records: list,
           ingest_many: Callable[[list[Entry], str, Extra | None], list[dict]],
           extra: Extra | None = None) -> list[dict]:
    """The array's results in its order: refused records never reach the pipeline;
    `extra(results, session)` runs in the unit of work with every record's result.
    The request is named like a broker delivery, so a unit of work run again after its
    commit answer was lost finds the rejects the first run kept (redelivery.py)."""
    allowed, refused = split_records(client, records)
    request = Origin(delivery=str(ObjectId()))

    def in_order(done: list[dict]) -> list[dict]:
        answered = iter(done)
        return [forbidden_result(refused[i]) if i in refused else next(answered)
                for i in range(len(records))]

    if allowed:
        inner = None if extra is None else \
            (lambda done, session: extra(in_order(done), session))
        entries = [Entry(records[i], reject_id=request.at(i).reject_id) for i in allowed]
        results = in_order(ingest_many(entries, "http", inner))
    else:  # nothing is written but the answer
        results = in_order([])
        if extra is not None:
            extra(results, None)
    for _ in refused:
        metrics.REJECTED.labels("http", SOURCE_NOT_ALLOWED).inc()
    return results


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

"""`Idempotency-Key` on the HTTP intake, against the real service, broker and database.

An upstream system whose request timed out sends it again with the same key: it gets
the first answer again (marked `Idempotent-Replayed: true`), and its bad records are
not kept as rejects a second time. The same key with another body is refused (422).
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from contracts.openapi import RESPONSE_EXAMPLES
from ingestion.idempotency import KEEP_HOURS, HttpAnswers
from tests.ingestion.helpers import records

pytestmark = pytest.mark.integration


def post(stack, body: bytes, key: str | None) -> tuple[int, dict, dict]:
    """(status, answer, headers) of one POST with the stack's client token."""
    headers = {"Content-Type": "application/json",
               "Authorization": f"Bearer {stack.env['INTAKE_TOKEN']}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(stack.env["INTAKE_URL"], data=body, method="POST",
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}"), dict(err.headers)


def rejects_of(stack, source: str) -> list[dict]:
    db = stack.db("ingestion")
    try:
        return list(db["rejects"].find({"source": source}))
    finally:
        db.client.close()


def test_a_retried_request_gets_its_first_answer_and_keeps_nothing_twice(stack):
    source, key = f"idem_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    body = json.dumps([{"source": source, "external_id": "I-1", "name": "Retry Tester"},
                       {"source": source, "external_id": "I-2"}]).encode()  # no name
    status, first, headers = post(stack, body, key)
    assert status == 202, first
    assert [r["status"] for r in first["results"]] == ["created", "rejected"]
    assert "Idempotent-Replayed" not in headers

    status, again, headers = post(stack, body, key)
    assert status == 202 and again == first  # not 'unchanged', and the same reject id
    assert headers["Idempotent-Replayed"] == "true"
    assert [str(r["_id"]) for r in rejects_of(stack, source)] == [
        first["results"][1]["reject_id"]]
    assert [r["external_id"] for r in records(stack, source)] == ["I-1"]

    status, plain, _ = post(stack, body, None)  # without a key: judged again
    assert status == 202 and plain["results"][0]["status"] == "unchanged"
    assert len(rejects_of(stack, source)) == 2


def test_a_key_used_again_with_another_body_is_refused(stack):
    source, key = f"idem_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    status, _, _ = post(stack, json.dumps(
        {"source": source, "external_id": "K-1", "name": "First Body"}).encode(), key)
    assert status == 202
    status, answer, _ = post(stack, json.dumps(
        {"source": source, "external_id": "K-2", "name": "Second Body"}).encode(), key)
    assert status == 422 and answer == RESPONSE_EXAMPLES["422"]["a_key_used_with_another_body"]
    assert [r["external_id"] for r in records(stack, source)] == ["K-1"]


def test_an_undecodable_body_is_kept_once_and_answers_expire_after_a_day(stack):
    key = uuid.uuid4().hex
    body = b'{"source": "idem", "external_id": ' + key.encode()  # cut short
    status, first, _ = post(stack, body, key)
    assert status == 400 and first["reason"] == "undecodable", first
    status, again, headers = post(stack, body, key)
    assert status == 400 and again == first and headers["Idempotent-Replayed"] == "true"
    db = stack.db("ingestion")
    try:
        kept = db["http_answers"].find_one({"answer.reject_id": first["reject_id"]})
        assert kept is not None and kept["status"] == 400
        assert body.decode() not in json.dumps(kept, default=str)  # only its digest
        old = {"_id": f"x|{key}", "client": "x", "digest": "d", "status": 202,
               "answer": {}, "names": [], "at": datetime.now(timezone.utc) - timedelta(
                   hours=KEEP_HOURS, minutes=1)}
        db["http_answers"].insert_one(old)
        assert HttpAnswers(db["http_answers"]).expire(datetime.now(timezone.utc)) >= 1
        assert db["http_answers"].find_one({"_id": old["_id"]}) is None
        assert db["http_answers"].find_one({"_id": kept["_id"]}) is not None  # a fresh one
    finally:
        db.client.close()


def test_an_erasure_drops_the_answers_naming_the_person(stack):
    """An answer may quote the person's error texts: it goes with the erasure, and the
    key's retry is then judged again (the record is erased)."""
    source, key = f"idem_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    body = json.dumps({"source": source, "external_id": "E-1", "name": "Answer Forgetme",
                       "registered_at": "2025-02-01T09:00:00"}).encode()
    status, first, _ = post(stack, body, key)
    assert status == 202 and first["results"][0]["status"] == "created", first
    record_id = first["results"][0]["record_id"]
    stack.drain(timeout=600)
    golden = next(c for c in stack.crm_json("export", "clusters")
                  if any(m["source"] == source for m in c["members"]))
    stack.crm("erase", golden["customer_id"], "--by", "DPO-9", "--yes")
    stack.drain(timeout=600)

    db = stack.db("ingestion")
    try:
        assert db["http_answers"].count_documents({"names": record_id}) == 0
    finally:
        db.client.close()
    status, again, headers = post(stack, body, key)
    assert "Idempotent-Replayed" not in headers
    assert status == 400 and again["reason"] == "erased", again  # a lone record

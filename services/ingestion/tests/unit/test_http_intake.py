"""http_intake.py and intake_auth.sort_inputs: what each channel's inputs come to before
the pipeline (status codes, refused inputs), with the pipeline replaced by a recorder.

Pure: a request is an in-memory werkzeug request; nothing is stored or sent.
"""
from __future__ import annotations

import json

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from common.messaging import UNDECODABLE
from ingestion import http_intake
from ingestion.intake_auth import (NO_USER_ID, SOURCE_NOT_ALLOWED, UNAUTHENTICATED,
                                   sort_inputs)

CLIENT = {"_id": "crm-web", "sources": ["web"], "active": True}
LIMITS = http_intake.Limits(max_bytes=2000, max_records=3)


def request(body: bytes | str) -> Request:
    data = body.encode() if isinstance(body, str) else body
    return Request(EnvironBuilder(method="POST", path="/v1/customers", data=data,
                                  content_type="application/json").get_environ())


class Pipeline:
    """Records what reaches the pipeline and the rejects kept."""

    def __init__(self) -> None:
        self.ingested: list = []
        self.rejects: list = []

    def ingest_many(self, entries, channel):
        self.ingested.append(([e.raw for e in entries], channel))
        return [{"status": "accepted", "record_id": e.raw["external_id"]} for e in entries]

    def reject(self, channel, reason, errors, raw):
        self.rejects.append((channel, reason, errors, raw))
        return {"status": "rejected", "reason": reason, "errors": errors, "reject_id": "r1"}

    def answer(self, body, client=CLIENT):
        return http_intake.receive(
            request(body), LIMITS, client, reject=self.reject,
            judge=lambda known, records: http_intake.judged(known, records, self.ingest_many))


def web(external_id: str, source: str = "web") -> dict:
    return {"source": source, "external_id": external_id, "name": "王芳"}


def test_an_array_keeps_its_order_and_refused_records_never_reach_the_pipeline():
    pipeline = Pipeline()
    response = pipeline.answer(json.dumps([web("a"), web("b", "branch"), web("c")]))
    results = json.loads(response.get_data())["results"]
    assert response.status_code == 202
    assert [r.get("record_id") or r["reason"] for r in results] == ["a", SOURCE_NOT_ALLOWED,
                                                                    "c"]
    assert results[1]["code"] == 403
    assert pipeline.ingested == [([web("a"), web("c")], "http")]


def test_a_single_refused_record_is_a_403_and_nothing_is_ingested():
    pipeline = Pipeline()
    response = pipeline.answer(json.dumps(web("a", "branch")))
    assert response.status_code == 403
    assert json.loads(response.get_data())["reason"] == SOURCE_NOT_ALLOWED
    assert pipeline.ingested == []


def test_no_client_is_a_401_with_its_challenge_and_the_body_is_not_kept():
    pipeline = Pipeline()
    response = pipeline.answer(json.dumps(web("a")), client=None)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert pipeline.ingested == [] and pipeline.rejects == []


def test_over_the_limits_is_a_413_naming_the_limit():
    pipeline = Pipeline()
    too_many = pipeline.answer(json.dumps([web(str(i)) for i in range(4)]))
    too_big = pipeline.answer(json.dumps([{**web("a"), "note": "x" * 3000}]))
    assert (too_many.status_code, too_big.status_code) == (413, 413)
    assert "at most 3 records" in json.loads(too_many.get_data())["error"]
    assert "2000 bytes" in json.loads(too_big.get_data())["error"]
    assert pipeline.ingested == []


def test_an_undecodable_body_is_kept_as_a_reject_and_answered_400():
    pipeline = Pipeline()
    response = pipeline.answer(b'{"source": "web", \xff')
    body = json.loads(response.get_data())
    assert response.status_code == 400 and body["reject_id"] == "r1"
    ((channel, reason, errors, raw),) = pipeline.rejects
    assert (channel, reason) == ("http", "undecodable")
    assert errors[0].startswith("UnicodeDecodeError") and '"source"' in raw


def test_amqp_inputs_sorted_by_sender_source_and_marker():
    clients = {"web-user": CLIENT}
    marker = {UNDECODABLE: True, "error": "JSONDecodeError", "raw": "{oops"}
    lookalike = {UNDECODABLE: True, "error": 7, "raw": "{oops", "source": "web",
                 "external_id": "z"}
    sent = [("web-user", [web("a"), web("b", "branch")], False), (None, web("c"), True),
            ("web-user", marker, False), ("web-user", lookalike, True),
            ("web-user", web("d"), False)]
    records, refused = sort_inputs(sent, clients.get)
    assert records == [(web("a"), False), (lookalike, True), (web("d"), False)]
    assert [(reason, raw, again) for reason, _, raw, again in refused] == [
        (SOURCE_NOT_ALLOWED, web("b", "branch"), False), (UNAUTHENTICATED, web("c"), True),
        ("undecodable", "{oops", False)]
    assert refused[1][1] == [NO_USER_ID]

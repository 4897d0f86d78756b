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
from ingestion.idempotency import HttpAnswers
from ingestion.intake_auth import (NO_USER_ID, SOURCE_NOT_ALLOWED, UNAUTHENTICATED,
                                   sort_inputs)
from ingestion.redelivery import Origin

CLIENT = {"_id": "crm-web", "sources": ["web"], "active": True}
LIMITS = http_intake.Limits(max_bytes=2000, max_records=3)


def request(body: bytes | str, key: str | None = None) -> Request:
    data = body.encode() if isinstance(body, str) else body
    headers = {} if key is None else {"Idempotency-Key": key}
    return Request(EnvironBuilder(method="POST", path="/v1/customers", data=data,
                                  headers=headers,
                                  content_type="application/json").get_environ())


class Answers:
    """The kept answers' collection, in memory; `sessions` notes where each was kept."""

    def __init__(self) -> None:
        self.rows: dict = {}
        self.sessions: list = []

    def find_one(self, query, session=None):
        return self.rows.get(query["_id"])

    def insert_one(self, row, session=None):
        assert row["_id"] not in self.rows
        self.rows[row["_id"]] = row
        self.sessions.append(session)


class Pipeline:
    """Records what reaches the pipeline and the rejects kept; its unit of work runs
    `extra` in a session, as the handlers do."""

    def __init__(self) -> None:
        self.ingested: list = []
        self.reject_ids: list = []  # each request's planned reject ids
        self.rejects: list = []
        self.answers = Answers()

    def ingest_many(self, entries, channel, extra=None):
        self.ingested.append(([e.raw for e in entries], channel))
        self.reject_ids.append([e.reject_id for e in entries])
        results = [{"status": "accepted", "record_id": e.raw["external_id"]} for e in entries]
        if extra is not None:
            extra(results, "session")
        return results

    def reject(self, channel, reason, errors, raw, extra=None):
        self.rejects.append((channel, reason, errors, raw))
        result = {"status": "rejected", "reason": reason, "errors": errors, "reject_id": "r1"}
        if extra is not None:
            extra(result, "session")
        return result

    def answer(self, body, client=CLIENT, key=None):
        memory = http_intake.Memory(HttpAnswers(self.answers), lambda text: f"d:{text}")
        return http_intake.receive(
            request(body, key), LIMITS, client, reject=self.reject,
            judge=lambda known, records, extra: http_intake.judged(known, records,
                                                                   self.ingest_many, extra),
            memory=memory)


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


def test_each_record_of_a_request_has_its_reject_id_chosen_before_its_unit_of_work():
    """So a unit of work run again after a lost commit answer finds what it kept."""
    pipeline = Pipeline()
    pipeline.answer(json.dumps([web("a"), web("b", "branch"), web("c")]))
    pipeline.answer(json.dumps([web("a")]))
    first, second = pipeline.reject_ids
    assert len(set(first)) == 2 and None not in first and None not in second
    assert not set(first) & set(second), "another request, other ids"


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
    first, again = Origin(), Origin(again=True)
    sent = [("web-user", [web("a"), web("b", "branch")], first), (None, web("c"), again),
            ("web-user", marker, first), ("web-user", lookalike, again),
            ("web-user", web("d"), first)]
    records, refused = sort_inputs(sent, clients.get)
    assert [(raw, came.again, came.index) for raw, came in records] == [
        (web("a"), False, 0), (lookalike, True, 0), (web("d"), False, 0)]
    assert [(reason, raw, came.again, came.index) for reason, _, raw, came in refused] == [
        (SOURCE_NOT_ALLOWED, web("b", "branch"), False, 1),  # the array's second record
        (UNAUTHENTICATED, web("c"), True, 0), ("undecodable", "{oops", False, 0)]
    assert refused[1][1] == [NO_USER_ID]


def test_a_retried_key_gets_the_first_answer_and_nothing_is_kept_twice():
    pipeline = Pipeline()
    body = json.dumps([web("a"), web("b", "branch")])
    first = pipeline.answer(body, key="req-1")
    again = pipeline.answer(body, key="req-1")
    assert first.status_code == again.status_code == 202
    assert json.loads(again.get_data()) == json.loads(first.get_data())
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert pipeline.ingested == [([web("a")], "http")]
    assert pipeline.answers.sessions == ["session"]  # kept in the unit of work


def test_a_key_reused_with_another_body_is_a_422_and_nothing_is_ingested():
    pipeline = Pipeline()
    pipeline.answer(json.dumps(web("a")), key="req-1")
    response = pipeline.answer(json.dumps(web("b")), key="req-1")
    assert response.status_code == 422 and "another body" in json.loads(response.get_data())[
        "error"]
    assert pipeline.ingested == [([web("a")], "http")]


def test_keys_belong_to_their_client():
    pipeline, other = Pipeline(), {**CLIENT, "_id": "crm-branch"}
    pipeline.answer(json.dumps(web("a")), key="req-1")
    response = pipeline.answer(json.dumps(web("a")), client=other, key="req-1")
    assert "Idempotent-Replayed" not in response.headers
    assert len(pipeline.ingested) == 2 and len(pipeline.answers.rows) == 2


def test_an_unusable_key_is_a_400_and_nothing_is_kept():
    pipeline = Pipeline()
    for key in ("has space", "x" * 256, "é"):
        response = pipeline.answer(json.dumps(web("a")), key=key)
        assert response.status_code == 400, key
        assert "Idempotency-Key" in json.loads(response.get_data())["error"]
    assert pipeline.ingested == [] and pipeline.answers.rows == {}


def test_refusals_are_replayed_too_each_kept_with_its_reject():
    pipeline = Pipeline()
    for body, status in (("{not json", 400), (json.dumps(web("a", "branch")), 403)):
        first = pipeline.answer(body, key=f"k{status}")
        again = pipeline.answer(body, key=f"k{status}")
        assert first.status_code == again.status_code == status
        assert json.loads(again.get_data()) == json.loads(first.get_data())
    assert len(pipeline.rejects) == 1  # the undecodable body, kept once
    assert pipeline.answers.sessions == ["session", None]  # the 403 wrote nothing else


def test_a_request_whose_key_was_answered_meanwhile_gives_that_answer():
    """Two requests with one key at once: the second's unit of work finds the first's
    answer when it keeps its own, and is abandoned."""
    pipeline = Pipeline()
    body = json.dumps(web("a"))
    pipeline.answer(body, key="req-1")
    first_row = pipeline.answers.rows["crm-web|req-1"]
    pipeline.answers.rows.clear()  # not there when the second request looked first
    pipeline.answers.find_one = lambda query, session=None: (
        first_row if session is not None else None)
    response = pipeline.answer(body, key="req-1")
    assert response.headers["Idempotent-Replayed"] == "true"
    assert json.loads(response.get_data()) == first_row["answer"]

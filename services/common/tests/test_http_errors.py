"""Generic 500 bodies (common.web.http) on a real nameko HTTP server, and a /ready
that answers its status only."""
from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from types import SimpleNamespace

import pytest
from nameko.containers import ServiceContainer
from nameko.exceptions import BadRequest

from common.base import ServiceBase
from common.web import http
from tools.stack.procs import free_port

LEAK = "mongo-7.internal:27017 user crm_ingestion"


class Echo:
    name = "echo"

    @http("GET", "/ok")
    def ok(self, request):
        return 200, "fine"

    @http("GET", "/boom")
    def boom(self, request):
        raise RuntimeError(f"connection refused: {LEAK}")

    @http("GET", "/bad")
    def bad(self, request):
        raise BadRequest("field x is required")


@pytest.fixture(scope="module")
def server():
    port = free_port()
    container = ServiceContainer(Echo, {"WEB_SERVER_ADDRESS": f"127.0.0.1:{port}"})
    container.start()
    yield f"http://127.0.0.1:{port}"
    container.stop()


def _get(url: str, headers: dict | None = None) -> tuple[int, dict, str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}),
                                    timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_an_unexpected_exception_answers_a_generic_500_with_an_id(server, caplog):
    with caplog.at_level(logging.ERROR, logger="common.web"):
        status, headers, body = _get(f"{server}/boom")
    assert status == 500
    answer = json.loads(body)
    assert answer["error"] == "internal error" and len(answer["id"]) == 32
    assert LEAK not in body and "RuntimeError" not in body
    assert {k.lower(): v for k, v in headers.items()}["x-correlation-id"] == answer["id"]
    logged = [r.getMessage() for r in caplog.records if answer["id"] in r.getMessage()]
    assert len(logged) == 1 and LEAK in logged[0]  # the details: in the log only


def test_the_callers_correlation_id_is_used_when_it_is_a_plain_token(server):
    assert json.loads(_get(f"{server}/boom", {"X-Correlation-ID": "req-42"})[2])["id"] == "req-42"
    injected = json.loads(_get(f"{server}/boom", {"X-Correlation-ID": "a\" b<"})[2])["id"]
    assert injected != "a\" b<" and len(injected) == 32


def test_bad_requests_and_results_are_unchanged(server):
    assert _get(f"{server}/ok")[::2] == (200, "fine")
    status, _, body = _get(f"{server}/bad")
    assert status == 400 and "field x is required" in body


def test_ready_answers_its_status_only_and_logs_the_cause(caplog):
    def ping(_):
        raise ConnectionError(f"No servers found: {LEAK}")
    database = SimpleNamespace(command=ping)
    service = SimpleNamespace(events=SimpleNamespace(collection=SimpleNamespace(database=database)))
    with caplog.at_level(logging.WARNING, logger="common.base"):
        response = ServiceBase.http_ready(service, None)
    assert response.status_code == 503
    assert json.loads(response.get_data()) == {"status": "unavailable"}
    assert any(LEAK in r.getMessage() for r in caplog.records)

"""Issue 16 point 1: authenticated intake, against the real broker and database.

HTTP callers need `Authorization: Bearer <token>` of an active client; AMQP messages
need the `user_id` of an active client's broker user; a client writes only its own
sources, erases only with may_erase, and a revoked client's token and broker user
stop working at once.
"""
from __future__ import annotations

import json
import time
import uuid

import pytest
from amqp.exceptions import AccessRefused
from kombu import Connection

from tests.ingestion.helpers import open_rejects, post, records, wait_intake_empty

pytestmark = pytest.mark.integration


def tag() -> str:
    return uuid.uuid4().hex[:8]


def add_client(stack, name: str, sources: str, *extra: str) -> dict[str, str]:
    """`crm clients add`: its stdout is exactly the two shell lines."""
    out = stack.crm("clients", "add", name, "--sources", sources, *extra).stdout
    lines = dict(line.split("=", 1) for line in out.splitlines())
    assert set(lines) == {"INTAKE_TOKEN", "UPSTREAM_AMQP_URI"}, out
    assert lines["UPSTREAM_AMQP_URI"].startswith("amqp://intake-")
    return lines


def in_dedup(stack, record_ids: list[str]) -> int:
    db = stack.db("dedup")
    try:
        return db["customers"].count_documents({"members": {"$in": record_ids}})
    finally:
        db.client.close()


def test_post_needs_a_valid_token(stack):
    url, source = stack.env["INTAKE_URL"], f"auth_{tag()}"
    body = json.dumps({"source": source, "external_id": "T-1", "name": "Token Tester"}).encode()
    for token in (None, "not-a-token"):
        status, answer = post(url, body, token=token)
        assert status == 401 and answer["error"] == "unauthenticated", answer
    assert records(stack, source) == []

    status, answer = post(url, body, token=stack.env["INTAKE_TOKEN"])
    assert status == 202 and answer["results"][0]["status"] == "created", answer
    assert [r["external_id"] for r in records(stack, source)] == ["T-1"]


def test_a_client_writes_only_its_own_sources(stack):
    mine, other, name = f"a_{tag()}", f"b_{tag()}", f"client-{tag()}"
    creds = add_client(stack, name, mine)
    listed = {c["name"]: c for c in stack.crm_json("clients", "list", "--json")}
    assert listed[name]["sources"] == [mine] and listed[name]["revoked_at"] is None
    assert "token_hash" not in json.dumps(listed) and creds["INTAKE_TOKEN"] not in json.dumps(listed)
    url, token = stack.env["INTAKE_URL"], creds["INTAKE_TOKEN"]

    status, answer = post(url, json.dumps({"source": other, "external_id": "H-0"}).encode(),
                          token=token)
    assert status == 403 and answer["reason"] == "source_not_allowed", answer
    status, answer = post(url, json.dumps([
        {"source": mine, "external_id": "H-1", "name": "Allowed One"},
        {"source": other, "external_id": "H-2", "name": "Refused Two"}]).encode(), token=token)
    assert status == 202, answer
    assert [r["status"] for r in answer["results"]] == ["created", "rejected"]
    assert answer["results"][1]["code"] == 403
    assert answer["results"][1]["reason"] == "source_not_allowed"

    before = {r["id"] for r in open_rejects(stack)}
    stack.publish([{"source": mine, "external_id": "A-1", "name": "Allowed Amqp"},
                   {"source": other, "external_id": "A-2", "name": "Refused Amqp"}],
                  uri=creds["UPSTREAM_AMQP_URI"])
    stack.publish({"source": other, "external_id": "A-3", "name": "Refused Again"},
                  uri=creds["UPSTREAM_AMQP_URI"])
    wait_intake_empty(stack)
    stack.drain()

    new = [r for r in open_rejects(stack) if r["id"] not in before]
    refused = sorted(r["reason"] for r in new if r["source"] == other)
    assert refused == ["source_not_allowed", "source_not_allowed"], new
    assert sorted(r["external_id"] for r in records(stack, mine)) == ["A-1", "H-1"]
    assert records(stack, other) == []
    assert in_dedup(stack, [f"{mine}:H-1", f"{mine}:A-1"]) == 2
    assert in_dedup(stack, [f"{other}:{x}" for x in ("H-0", "H-2", "A-2", "A-3")]) == 0


def test_a_message_without_user_id_is_unauthenticated(stack):
    source = f"anon_{tag()}"
    before = {r["id"] for r in open_rejects(stack)}
    stack.publish({"source": source, "external_id": "N-1", "name": "No User"}, signed=False)
    wait_intake_empty(stack)
    new = [r for r in open_rejects(stack) if r["id"] not in before]
    assert [r["reason"] for r in new] == ["unauthenticated"], new
    assert records(stack, source) == []


def test_erasure_requests_need_may_erase(stack):
    creds = add_client(stack, f"noerase-{tag()}", "x")
    before = {r["id"] for r in open_rejects(stack)}
    stack.publish({"source": "x", "external_id": "E-1", "requested_by": "someone"},
                  routing_key="customer.erase", uri=creds["UPSTREAM_AMQP_URI"])
    deadline = time.monotonic() + 60
    new: list[dict] = []
    while time.monotonic() < deadline and not new:
        new = [r for r in open_rejects(stack) if r["id"] not in before]
        time.sleep(0.5)
    assert [(r["channel"], r["reason"]) for r in new] == [("erase", "erase_not_allowed")], new


def test_revoke_stops_both_credentials(stack):
    source, name = f"r_{tag()}", f"revoked-{tag()}"
    creds = add_client(stack, name, source)
    body = json.dumps({"source": source, "external_id": "R-1", "name": "Before Revoke"}).encode()
    assert post(stack.env["INTAKE_URL"], body, token=creds["INTAKE_TOKEN"])[0] == 202
    with Connection(creds["UPSTREAM_AMQP_URI"]) as conn:
        conn.connect()  # the broker user works before

    out = stack.crm("clients", "revoke", name).stdout
    assert "deleted" in out, out
    status, answer = post(stack.env["INTAKE_URL"], body, token=creds["INTAKE_TOKEN"])
    assert status == 401, answer
    with pytest.raises(AccessRefused):
        with Connection(creds["UPSTREAM_AMQP_URI"], connect_timeout=10) as conn:
            conn.connect()
    listed = {c["name"]: c for c in stack.crm_json("clients", "list", "--json")}
    assert listed[name]["revoked_at"]
    assert stack.crm("clients", "revoke", name, check=False).returncode == 2


def test_the_intake_has_its_own_port(stack):
    """POST /v1/customers only on INTAKE_PORT; /metrics only on the web port."""
    import urllib.error
    import urllib.parse
    import urllib.request
    intake = urllib.parse.urlsplit(stack.env["INTAKE_URL"])
    web = stack.stack.ports()["ingestion"]
    assert intake.port != web
    body = json.dumps({"source": f"port_{tag()}", "external_id": "P-1"}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{web}/v1/customers", data=body, method="POST",
        headers={"Authorization": f"Bearer {stack.env['INTAKE_TOKEN']}"})
    with pytest.raises(urllib.error.HTTPError) as absent:
        urllib.request.urlopen(request, timeout=10)
    assert absent.value.code == 404
    with urllib.request.urlopen(f"http://127.0.0.1:{web}/metrics", timeout=10) as response:
        assert b"crm_ingestion_records_received_total" in response.read()
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"http://127.0.0.1:{intake.port}/metrics", timeout=10)
    assert refused.value.code == 404

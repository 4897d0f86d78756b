"""The integrator's examples (examples/) run as an integrator runs them: as scripts, against
the real stack, with the credentials an upstream client or a downstream subscriber has."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from kombu import Connection

from tests.ingestion.helpers import records

pytestmark = pytest.mark.integration

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(script: str, *args: str, env: dict | None = None, stdin: bytes | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess:
    """An example as its own process, with only the variables it documents."""
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "PYTHONPATH")}
    return subprocess.run([sys.executable, str(EXAMPLES / script), *args], input=stdin,
                          env={**base, **(env or {})}, capture_output=True, timeout=timeout)


def customers(tmp_path: Path, source: str, count: int = 2) -> Path:
    """examples/customers.json with the test's own source (records are kept per source)."""
    rows = json.loads((EXAMPLES / "customers.json").read_text(encoding="utf-8"))[:count]
    path = tmp_path / "customers.json"
    path.write_text(json.dumps([{**r, "source": source} for r in rows], ensure_ascii=False))
    return path


def downstream_uri(stack) -> str:
    """The stack's `downstream` subscriber (`make up` creates it with
    tools.stack.access.add_downstream and writes DOWNSTREAM_AMQP_URI to .local/env)."""
    return stack.env["DOWNSTREAM_AMQP_URI"]


def test_publish_intake_records_over_amqp(stack, tmp_path):
    source = f"ex_amqp_{uuid.uuid4().hex[:6]}"
    result = run("publish_intake_amqp.py", str(customers(tmp_path, source)),
                 env={"UPSTREAM_AMQP_URI": stack.env["UPSTREAM_AMQP_URI"]})
    assert result.returncode == 0 and b"published 2 record(s)" in result.stdout, result
    stack.drain()
    assert sorted(r["external_id"] for r in records(stack, source)) == ["EX-1001", "EX-1002"]


def test_post_intake_records_over_http(stack, tmp_path):
    source = f"ex_http_{uuid.uuid4().hex[:6]}"
    env = {"INTAKE_URL": stack.env["INTAKE_URL"], "INTAKE_TOKEN": stack.env["INTAKE_TOKEN"]}
    result = run("post_intake_http.py", str(customers(tmp_path, source)), env=env)
    status, answer = result.stdout.decode().split(" ", 1)
    assert result.returncode == 0 and status == "202", result
    assert [r["status"] for r in json.loads(answer)["results"]] == ["created", "created"]
    refused = run("post_intake_http.py", str(customers(tmp_path, source)),
                  env={**env, "INTAKE_TOKEN": "not-a-token"})
    assert refused.returncode == 1 and refused.stdout.startswith(b"401 "), refused


def test_subscriber_gets_tier_changed_once_per_event_id(stack, tmp_path):
    uri, queue = downstream_uri(stack), f"downstream.example-{uuid.uuid4().hex[:6]}"
    seen = tmp_path / "seen.txt"
    subscriber = ["--queue", queue, "--seen-file", str(seen), "--idle", "3"]
    try:
        first = run("subscribe_tier_changed.py", *subscriber, env={"DOWNSTREAM_AMQP_URI": uri})
        assert first.returncode == 0 and first.stdout == b"", first  # declared, nothing yet

        tag = uuid.uuid4().hex[:6]  # a new person (no identifier another test used)
        person = tmp_path / "person.json"
        person.write_text(json.dumps({
            "source": f"ex_sub_{tag}", "external_id": "S-1", "name": f"Subscriber {tag}",
            "branch": "BJ01", "registered_by": "M001", "registered_at": "2025-03-01T09:00:00",
            "financials": {"avg_daily_assets": "250000.00", "has_relationship": True}}))
        published = run("publish_intake_amqp.py", str(person),  # while the subscriber is down
                        env={"UPSTREAM_AMQP_URI": stack.env["UPSTREAM_AMQP_URI"]})
        assert published.returncode == 0, published
        stack.drain()
        got = run("subscribe_tier_changed.py", *subscriber, env={"DOWNSTREAM_AMQP_URI": uri})
        events = [json.loads(line) for line in got.stdout.splitlines()]
        assert got.returncode == 0 and events, got
        assert {e["direction"] for e in events} == {"new"}
        assert len({e["customer_id"] for e in events}) == 1

        stack.publish_many([events[0], events[0]], routing_key="tier.changed",
                           exchange="tiering.events")  # redelivered twice
        again = run("subscribe_tier_changed.py", *subscriber, env={"DOWNSTREAM_AMQP_URI": uri})
        assert again.returncode == 0 and again.stdout == b"", again
        assert seen.read_text().split() == [e["event_id"] for e in events]
    finally:
        with Connection(stack.env["AMQP_URI"]) as conn:
            conn.channel().queue_delete(queue)


def test_the_downstream_role_reads_its_own_queues_and_nothing_else(stack):
    import amqp

    uri, tag = downstream_uri(stack), uuid.uuid4().hex[:6]
    for service in ("ingestion", "tiering"):  # a subscriber's credential is no service's
        env = stack.stack.service_env(service, 1, stack.env)
        assert "DOWNSTREAM_AMQP_URI" not in env and "AMQP_PASSWORD_DOWNSTREAM" not in env
        assert uri.split("@")[0] not in json.dumps(env)
    with Connection(uri) as conn:  # allowed: its own queue, bound to tiering.events
        channel = conn.channel()
        channel.queue_declare(f"downstream.ok-{tag}", durable=True, auto_delete=False)
        channel.queue_bind(f"downstream.ok-{tag}", "tiering.events", "tier.changed")
        channel.queue_delete(f"downstream.ok-{tag}")
    refused = {
        "publish to tiering.events": lambda ch: ch.basic_publish(
            amqp.Message(b"{}"), exchange="tiering.events", routing_key="tier.changed"),
        "bind its queue to dedup.events": lambda ch: (
            ch.queue_declare(f"downstream.no-{tag}", auto_delete=True),
            ch.queue_bind(f"downstream.no-{tag}", "dedup.events", "#")),
        "read a pipeline queue": lambda ch: ch.basic_get(
            "evt-tiering-tier.changed--assignment.on_tier_changed"),
        "declare a queue not named downstream.*": lambda ch: ch.queue_declare(
            f"mine-{tag}", auto_delete=True),
    }
    for what, probe in refused.items():
        with Connection(uri, transport_options={"confirm_publish": True}) as conn:
            with pytest.raises(amqp.exceptions.AccessRefused):
                probe(conn.channel())
                pytest.fail(f"the downstream role may {what}")


def test_webhook_signature_example_accepts_what_notification_signs(tmp_path):
    from notification.plugins.signing import sign

    secret, body, now = "s" * 40, b'{"event_id": "e-1", "text": "hello"}', int(time.time())
    env = {"CRM_WEBHOOK_SECRET": secret}

    def check(timestamp: int, signature: str, payload: bytes) -> subprocess.CompletedProcess:
        return run("verify_webhook.py", "--timestamp", str(timestamp), "--signature",
                   signature, env=env, stdin=payload)

    assert check(now, sign(secret, now, body), body).stdout == b"valid\n"
    assert check(now, sign(secret, now, body), body + b" ").returncode == 1  # altered body
    assert check(now - 3600, sign(secret, now - 3600, body), body).returncode == 1  # replay
    assert check(now, sign("t" * 40, now, body), body).returncode == 1  # another secret


def test_webhook_receiver_example_answers_204_only_to_a_signed_request():
    import urllib.error
    import urllib.request

    from notification.plugins.signing import sign
    from tools.stack.procs import free_port, port_open, wait_for

    secret, port, body = "r" * 40, free_port(), b'{"event_id": "e-2"}'
    server = subprocess.Popen([sys.executable, str(EXAMPLES / "verify_webhook.py"), "--serve",
                               str(port), "--secret", secret], stdout=subprocess.PIPE)
    try:
        assert wait_for(lambda: port_open(port), 20)

        def post(headers: dict) -> int:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/hook", data=body,
                                             method="POST", headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    return response.status
            except urllib.error.HTTPError as error:
                return error.code

        now = int(time.time())
        assert post({"X-CRM-Timestamp": str(now), "X-CRM-Signature": sign(secret, now, body)}) == 204
        assert post({"X-CRM-Timestamp": str(now), "X-CRM-Signature": "sha256=00"}) == 401
        assert post({}) == 401
    finally:
        server.terminate()
        server.wait(10)

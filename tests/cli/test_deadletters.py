"""`crm deadletters list|replay` against the real broker: a message that expires in a
pipeline-named queue is dead-lettered by the stack's policy, listed without being taken,
and replayed to its original exchange and routing key."""
from __future__ import annotations

import json
import time
import uuid

import pytest
from kombu import Connection, Exchange, Queue

from tests.support import user_id

pytestmark = pytest.mark.integration

INTAKE = Exchange("crm.intake", "topic", durable=True)


@pytest.fixture
def scratch(stack):
    """A queue matching the dead-letter policy (`crm.intake.*`), bound to crm.intake with
    its own routing key, without a consumer; deleted afterwards with anything of ours
    left in dead-letters."""
    tag = uuid.uuid4().hex[:8]
    queue = Queue(f"crm.intake.dlt-{tag}", INTAKE, routing_key=f"dlt.{tag}", durable=True,
                  auto_delete=False)
    with Connection(stack.env["AMQP_URI"]) as conn:
        queue(conn.channel()).declare()
    yield queue
    with Connection(stack.env["AMQP_URI"]) as conn:
        channel = conn.channel()
        queue(channel).delete()
        while (message := channel.basic_get("dead-letters", no_ack=False)) is not None:
            death = message.properties["application_headers"]["x-death"][0]
            if death["routing-keys"] == [queue.routing_key]:
                channel.basic_ack(message.delivery_tag)
        channel.close()


def publish_expiring(uri: str, key: str, body: dict, signed: bool = False) -> None:
    with Connection(uri, transport_options={"confirm_publish": True}) as conn:
        conn.Producer(exchange=INTAKE, auto_declare=False).publish(
            json.dumps(body), routing_key=key, content_type="application/json",
            delivery_mode=2, expiration=0.001, declare=[],
            **(user_id(uri) if signed else {}))


def ours(stack, key: str, timeout: float = 30) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        found = [r for r in stack.crm_json("deadletters", "list", "--json")
                 if r["routing_key"] == key]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def test_list_shows_without_taking_and_replay_sends_it_back(stack, scratch):
    key = scratch.routing_key
    publish_expiring(stack.env["AMQP_URI"], key, {"probe": key})
    [letter] = ours(stack, key)
    assert (letter["queue"], letter["exchange"], letter["reason"], letter["count"]) == \
        (scratch.name, "crm.intake", "expired", 1), letter
    assert "probe" not in json.dumps(letter)  # bodies are never shown
    assert [r["id"] for r in ours(stack, key)] == [letter["id"]]  # listing took nothing

    result = stack.crm("deadletters", "replay", letter["id"])
    assert "replayed 1" in result.stdout, result.stdout
    assert ours(stack, key, timeout=0) == []
    with Connection(stack.env["AMQP_URI"]) as conn:
        message = conn.channel().basic_get(scratch.name, no_ack=True)
    assert message is not None and json.loads(message.body) == {"probe": key}
    assert "x-death" not in (message.properties.get("application_headers") or {})


def test_replay_needs_an_id_or_all_and_says_when_the_id_is_unknown(stack):
    assert stack.crm("deadletters", "replay", check=False).returncode != 0
    missing = stack.crm("deadletters", "replay", "no-such-letter", check=False)
    assert missing.returncode != 0 and "no message no-such-letter" in missing.stderr


def test_a_message_signed_by_another_broker_user_stays_put(stack, scratch):
    """The broker lets only the sender publish with its user_id: the replay refuses it
    and leaves it in dead-letters rather than sending it unsigned."""
    key = scratch.routing_key
    publish_expiring(stack.env["UPSTREAM_AMQP_URI"], key, {"probe": key}, signed=True)
    [letter] = ours(stack, key)
    result = stack.crm("deadletters", "replay", letter["id"], check=False)  # not --all: the
    # session's other dead letters, if any, are not this test's to move
    assert result.returncode == 1 and f"{letter['id']}: published by broker user" in result.stdout
    assert [r["id"] for r in ours(stack, key, timeout=0)] == [letter["id"]]

"""Least privilege on the bus: each service runs as its own RabbitMQ user that can
write only its own exchange, and `upstream` can write only `crm.intake`.

The broker itself must refuse (ACCESS_REFUSED), not our code: we publish with
plain kombu and publisher confirms, so a refused publish closes the channel and
raises. The crm command keeps working on the administrator (guest, loopback).
"""
from __future__ import annotations

import stat

import pytest
from amqp.exceptions import AccessRefused
from kombu import Connection, Exchange, Producer

from tools.stack.__main__ import SERVICES

pytestmark = [pytest.mark.faults, pytest.mark.integration]


def publish(uri: str, exchange: str, routing_key: str) -> Exception | None:
    """Publish one confirmed message without declaring anything; the error, if any."""
    try:
        with Connection(uri, transport_options={"confirm_publish": True}) as conn:
            producer = Producer(conn.channel(), exchange=Exchange(exchange, "topic"),
                                auto_declare=False)
            producer.publish(b"{}", routing_key=routing_key, content_type="application/json",
                             delivery_mode=2, declare=[], retry=False)
    except Exception as exc:  # noqa: BLE001 - returned for the assertions
        return exc
    return None


@pytest.mark.parametrize("user, exchange, routing_key", [
    ("upstream", "tiering.events", "tier.changed"),
    ("upstream", "ingestion.events", "customer.ingested"),
    ("dedup", "tiering.events", "tier.changed"),
    ("notification", "assignment.events", "customer.assigned"),
    ("tiering", "nameko-rpc", "assignment.assign"),  # an RPC request to another service
    ("campaigns", "tiering.events", "tier.changed"),  # it follows tiers, never writes them
    ("campaigns", "nameko-rpc", "assignment.assign"),
])
def test_user_cannot_write_what_it_does_not_own(stack, user, exchange, routing_key):
    error = publish(stack.amqp_uri(user), exchange, routing_key)
    assert isinstance(error, AccessRefused), f"{user} -> {exchange}: {error!r}"
    assert "ACCESS_REFUSED" in str(error)


def test_users_write_what_they_own_and_services_run_as_themselves(stack, monkeypatch):
    monkeypatch.setenv("CRM_ENV_FILE", str(stack.base / "env"))
    assert publish(stack.amqp_uri("upstream"), "crm.intake", "customer.created.probe") is None
    assert publish(stack.amqp_uri("dedup"), "dedup.events", "probe.only") is None
    from crm_cli import client
    users = {c["user"] for c in client.management_get("connections?columns=user")}
    assert set(SERVICES) <= users, f"services not on their own users: {users}"
    secrets = stack.base / "secrets.env"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    assert "AMQP_PASSWORD_UPSTREAM=" in secrets.read_text()
    assert "guest" in (stack.base / "env").read_text()  # the crm command's admin URI
    assert stack.crm("status", "--json").returncode == 0

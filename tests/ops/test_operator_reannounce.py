"""A service that missed an operator's grant (deployed after the operator was added, or
its database restored) learns it when ingestion starts: ingestion announces every grant
again at start (and hourly), and services keep the newest version."""
from __future__ import annotations

import signal
import time
import uuid

import pytest

pytestmark = pytest.mark.integration


def test_a_grant_a_service_lost_comes_back_when_ingestion_starts(stack):
    name = f"op-test-again-{uuid.uuid4().hex[:6]}"
    made = stack.crm("operators", "add", name, "--role", "viewer")
    [line] = [x for x in made.stdout.splitlines() if x.startswith("CRM_AMQP_URI=")]
    uri = line.split("=", 1)[1]
    db = stack.db("tiering")
    try:
        assert db["grants"].delete_one({"operator": name}).deleted_count == 1
        deadline = time.monotonic() + 30  # tiering's cache forgets within 2 s
        while stack.crm("export", "tiers", check=False,
                        env={"CRM_AMQP_URI": uri}).returncode != 3:
            assert time.monotonic() < deadline, "tiering still serves an unknown operator"
            time.sleep(1)
        stack.signal_service("ingestion", signal.SIGTERM)
        stack.up()
        deadline = time.monotonic() + 120
        while db["grants"].find_one({"operator": name}) is None:
            assert time.monotonic() < deadline, "the grant was not announced again"
            time.sleep(1)
    finally:
        db.client.close()
    served = stack.crm("export", "tiers", env={"CRM_AMQP_URI": uri})
    assert served.returncode == 0

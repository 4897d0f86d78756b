"""The database stopped for 30 seconds mid-stream and started again.

Handlers hit pymongo connection errors; `reliable` must classify them as transient
and retry with the message unacknowledged (nameko would otherwise ack and drop it),
never park them; the outbox sweeper timer and every service process must survive.
A process that died anyway is restarted (`make up` semantics) so the account can be
taken, and the test then fails naming it. CRM_FAULT_DB_DOWN sets the outage
(default 30 s). CI size: CRM_FAULT_SIZE (default 300); full size
`CRM_FAULT_SIZE=10000 make test-faults`.
"""
from __future__ import annotations

import os
import time

import pytest

from tests.faults.population import Population, fault_size, report, service_pids, settle
from tools.stack.__main__ import SERVICES

pytestmark = [pytest.mark.faults, pytest.mark.integration]


def parked_counts(stack) -> dict[str, int]:
    return {s: len(stack.crm_json("parked", "list", s, "--json")) for s in SERVICES}


def last_error(stack, service: str) -> str:
    lines = [line for line in (stack.base / "logs" / f"{service}.log").read_text().splitlines()
             if '"level": "ERROR"' in line and "thread exited" in line]
    return lines[-1][:300] if lines else "(no container error logged)"


def test_database_down_for_30_seconds(stack):
    pop = Population("db-outage", slot=3, size=fault_size())
    pop.add_managers(stack)
    parked_before = parked_counts(stack)
    pids = service_pids(stack)
    stack.publish_many(pop.records(), user="upstream")
    time.sleep(3)
    stack.stop_db()
    time.sleep(float(os.environ.get("CRM_FAULT_DB_DOWN", "30")))
    stack.start_db()
    time.sleep(5)
    died = {s: last_error(stack, s) for s, pid in service_pids(stack).items() if pid != pids[s]}
    if died:
        stack.up()  # restart the dead so the account (and the next tests) can go on
    report("db-outage", settle(stack, pop))
    assert not died, f"services died during the database outage: {died}"
    assert parked_counts(stack) == parked_before, "an outage must be retried, not parked"

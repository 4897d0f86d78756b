"""The database stopped for 30 seconds mid-stream and started again.

Handlers hit pymongo connection errors; `reliable` must classify them as transient
and retry with the message unacknowledged (nameko would otherwise ack and drop it),
never park them; the outbox sweeper timer and the processes must survive.
CRM_FAULT_DB_DOWN sets the outage (default 30 s). CI size: CRM_FAULT_SIZE (default
300); full size `CRM_FAULT_SIZE=10000 make test-faults`.
"""
from __future__ import annotations

import os
import time

import pytest

from tests.faults.population import Population, fault_size, report, settle
from tools.stack.__main__ import SERVICES
from tools.stack.procs import read_pid

pytestmark = [pytest.mark.faults, pytest.mark.integration]


def parked_counts(stack) -> dict[str, int]:
    return {s: len(stack.crm_json("parked", "list", s, "--json")) for s in SERVICES}


def test_database_down_for_30_seconds(stack):
    pop = Population("db-outage", slot=3, size=fault_size())
    pop.add_managers(stack)
    parked_before = parked_counts(stack)
    pids = {s: read_pid(stack.base / "pids" / f"{s}.pid") for s in SERVICES}
    stack.publish_many(pop.records(), user="upstream")
    time.sleep(3)
    stack.stop_db()
    time.sleep(float(os.environ.get("CRM_FAULT_DB_DOWN", "30")))
    stack.start_db()
    report("db-outage", settle(stack, pop))
    alive = {s: read_pid(stack.base / "pids" / f"{s}.pid") for s in SERVICES}
    assert alive == pids, f"a service died during the outage: {pids} -> {alive}"
    assert parked_counts(stack) == parked_before, "an outage must be retried, not parked"

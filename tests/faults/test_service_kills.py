"""Each service SIGKILLed mid-stream and restarted (`make up` semantics).

A chunk of the intake is published before each kill, so every service dies with
work in flight: unacknowledged messages return to their queues, redelivery is
idempotent, and events staged but not sent are swept out after the restart.
CI size: CRM_FAULT_SIZE (default 300); full size `CRM_FAULT_SIZE=10000 make test-faults`.
"""
from __future__ import annotations

import signal
import time

import pytest

from tests.faults.population import Population, fault_size, report, settle
from tools.stack.__main__ import SERVICES

pytestmark = [pytest.mark.faults, pytest.mark.integration]


def test_each_service_killed_mid_stream(stack):
    pop = Population("sigkill", slot=2, size=fault_size())
    pop.add_managers(stack)
    records = pop.records()
    step = -(-len(records) // len(SERVICES))
    for i, service in enumerate(SERVICES):
        stack.publish_many(records[i * step:(i + 1) * step], user="upstream")
        time.sleep(1.5)
        assert stack.signal_service(service, signal.SIGKILL) is not None, f"{service} not running"
        stack.up()  # restarts exactly what is not running
    report("sigkill", settle(stack, pop))

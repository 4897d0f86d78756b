"""The broker restarted in the middle of an intake loses nothing and doubles nothing.

Half the intake is published, the private RabbitMQ node is stopped with
`rabbitmqctl stop` while the pipeline is busy and started again; the services must
reconnect (nameko consumers and publishers), events staged while the broker was
away are swept out of the outboxes, and the other half is published afterwards.
CI size: CRM_FAULT_SIZE (default 300); the issue's size is
`CRM_FAULT_SIZE=10000 make test-faults`.
"""
from __future__ import annotations

import time

import pytest

from tests.faults.population import Population, fault_size, report, service_pids, settle

pytestmark = [pytest.mark.faults, pytest.mark.integration]


def test_broker_restart_mid_intake(stack):
    pop = Population("broker-restart", slot=1, size=fault_size())
    pop.add_managers(stack)
    records = pop.records()
    pids = service_pids(stack)
    half = len(records) // 2
    stack.publish_many(records[:half], user="upstream")
    time.sleep(2)  # mid-stream: messages in flight on every hop
    stack.stop_broker()
    time.sleep(3)
    stack.start_broker()
    assert service_pids(stack) == pids, "services must reconnect, not die"
    stack.wait_consumers(120)
    stack.publish_many(records[half:], user="upstream")
    report("broker-restart", settle(stack, pop))

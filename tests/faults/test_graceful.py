"""SIGTERM stops a service cleanly mid-stream; after a restart the account is exact.

dedup gets SIGTERM while it has work in flight: the runner stops nameko gracefully
(consumers stop, running workers finish, unacknowledged messages return to the
queue) well within its bound (CRM_STOP_TIMEOUT, 30 s) and exits 0; `make up`
semantics start it again. CI size: CRM_FAULT_SIZE (default 300).
"""
from __future__ import annotations

import signal
import time

import pytest

from tests.faults.population import Population, fault_size, report, settle

pytestmark = [pytest.mark.faults, pytest.mark.integration]


def test_sigterm_dedup_mid_stream(stack):
    pop = Population("sigterm", slot=6, size=fault_size())
    pop.add_managers(stack)
    log = stack.base / "logs" / "dedup.log"
    stops_before = log.read_text().count("service dedup stopped")
    stack.publish_many(pop.records(), user="upstream")
    time.sleep(3)
    took = stack.signal_service("dedup", signal.SIGTERM, timeout=60)
    assert took is not None, "dedup was not running"
    text = log.read_text()
    assert text.count("service dedup stopped") == stops_before + 1, "no clean stop logged"
    assert "did not stop within" not in text
    assert took < 25, f"graceful stop took {took:.1f}s"
    assert stack.last_exit in (None, 0), f"dedup exited with {stack.last_exit}"
    stack.up()
    report("sigterm", settle(stack, pop))

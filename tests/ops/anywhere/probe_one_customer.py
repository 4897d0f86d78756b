"""Run by tests/ops/test_checkout_anywhere.py inside a throwaway copy of the tree, never
collected by the main run (its name does not start with `test_`).

It starts the copy's own test stack (the `stack` fixture), pushes one customer through
it, then writes what the stack started to CRM_PROBE_REPORT and, with CRM_PROBE_HOLD,
waits there to be interrupted, so the outer test can check that SIGTERM stops it all.
"""
from __future__ import annotations

import json
import os
import time

import pytest

from ingestion.domain.cn_id import check_digit
from tools.stack.rabbit import broker_dir

pytestmark = pytest.mark.integration
NATIONAL_ID = "650102" + "19810623" + "412" + check_digit("65010219810623412")


def test_one_customer_through_a_stack_below_a_closed_directory(stack):
    stack.crm("managers", "add", "--id", "AW-M1", "--name", "Wang Fang", "--role",
              "financial_manager", "--branch", "AW01", "--capacity", "5")
    stack.publish({"source": "head_office", "external_id": "AW-1", "name": "Anywhere Probe",
                   "national_id": NATIONAL_ID, "phones": ["19900000007"], "branch": "AW01",
                   "registered_by": "AW-M1", "registered_at": "2025-03-01T10:00:00",
                   "financials": {"avg_daily_assets": 450000, "has_relationship": True}})
    deadline, assigned = time.monotonic() + 300, []
    while not assigned and time.monotonic() < deadline:
        assigned = [a for a in stack.crm_json("export", "assignments")
                    if a.get("manager_id") == "AW-M1"]
        time.sleep(1)
    assert assigned, "the customer was not assigned within 300 s"
    pids = {f.stem: int(f.read_text()) for f in (stack.base / "pids").glob("*.pid")}
    ports = json.loads((stack.base / "ports.json").read_text())
    report = {"pids": pids, "ports": ports, "stack": str(stack.base),
              "broker_dir": str(broker_dir(stack.base)),
              "broker_pid": int((broker_dir(stack.base) / "rabbit.pid").read_text())}
    with open(os.environ["CRM_PROBE_REPORT"], "w") as out:
        json.dump(report, out)
    if os.environ.get("CRM_PROBE_HOLD"):
        time.sleep(600)  # the outer test sends SIGTERM meanwhile

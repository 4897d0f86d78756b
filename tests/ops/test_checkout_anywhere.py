"""A checkout below a directory closed to others (0700, as /root and `mktemp -d` are)
runs its own stack, and an interrupted test run leaves no process of it behind.

A throwaway copy of the tree goes under a fresh `mkdtemp` directory; a nested pytest
there starts that copy's test stack and pushes one customer through it (the broker
runs as the `rabbitmq` user when we are root, so its files must live where that user
can reach them). Then the nested run is sent SIGTERM, as a CI time-out would, and
every process its stack recorded must be gone, with its ports and files.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tools.stack.__main__ import Stack
from tools.stack.procs import pid_alive, port_open, wait_for

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
SKIP = shutil.ignore_patterns(".git", ".venv", ".local", "__pycache__", "*.pyc")


def test_stack_below_closed_directory_runs_and_stops_on_sigterm():
    closed = Path(tempfile.mkdtemp(prefix="crm-anywhere-"))
    assert closed.stat().st_mode & 0o077 == 0, "mkdtemp should give a 0700 directory"
    checkout = closed / "p"
    shutil.copytree(ROOT, checkout, ignore=SKIP)
    report_file = closed / "report.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "AMQP_", "MONGO_"))}
    env.update(CRM_PROBE_REPORT=str(report_file), CRM_PROBE_HOLD="1")
    log = open(closed / "pytest.log", "w")
    nested = subprocess.Popen([sys.executable, "-m", "pytest", "-x", "-q",
                               "tests/ops/anywhere/probe_one_customer.py"],
                              cwd=checkout, env=env, stdout=log, stderr=subprocess.STDOUT)
    report = None
    try:
        assert wait_for(lambda: report_file.exists() or nested.poll() is not None, 600, 1), \
            "the nested run neither reported nor ended"
        assert report_file.exists(), f"nested run failed:\n{_tail(closed / 'pytest.log')}"
        time.sleep(0.5)
        report = json.loads(report_file.read_text())
        assert Path(report["stack"]).is_relative_to(closed)
        nested.send_signal(signal.SIGTERM)
        nested.wait(timeout=180)
        processes = {**report["pids"], "rabbitmq": report["broker_pid"]}
        left = {name: pid for name, pid in processes.items() if pid_alive(pid)}
        assert not left, f"still running: {left}\n{_tail(closed / 'pytest.log')}"
        ports = report["ports"]
        for name in ("amqp", "amqp_dist", "epmd", "mongo-ingestion", "mongo-dedup", "ingestion"):
            assert not port_open(ports[name]), f"{name} port {ports[name]} still open"
        assert not Path(report["broker_dir"]).exists(), "the broker's directory was left behind"
        assert not Path(report["stack"]).exists(), "the stack's directory was left behind"
    finally:
        if nested.poll() is None:
            nested.kill()
            nested.wait()
        log.close()
        Stack(checkout / ".local" / "test-stack").down(purge=True)  # after a failure only
        shutil.rmtree(closed, ignore_errors=True)


def _tail(path: Path, lines: int = 60) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

"""Fixtures for tests that need the real broker and database.

One private stack per test session (its own RabbitMQ node, SecantusDB and the
five services, on free ports, under .local/), so a test run never touches a
running `make up`. Set CRM_TEST_STACK_DIR to run several sessions side by side.

The session records its PID in the stack directory (`owner.pid`). A stack whose
owner is gone (a run killed with SIGKILL) is an orphan: the next run stops it from
the PIDs it recorded before starting its own. A stack whose owner still runs belongs
to another session: this one refuses to touch it.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support import StackHandle
from tools.stack.procs import read_pid

ROOT = Path(__file__).resolve().parent.parent


def stack_dir() -> Path:
    return Path(os.environ.get("CRM_TEST_STACK_DIR", ROOT / ".local" / "test-stack"))


@pytest.fixture(scope="session")
def stack():
    base = stack_dir()
    owner = read_pid(base / "owner.pid")
    if owner and owner != os.getpid():
        pytest.exit(f"the test stack {base} belongs to a running test session (pid {owner}): "
                    "stop it, or set CRM_TEST_STACK_DIR to run beside it", returncode=3)
    handle = StackHandle(base)
    try:
        handle.start(fresh=True)  # stops an orphan left by an earlier run first
        (base / "owner.pid").write_text(str(os.getpid()))
        yield handle
    finally:
        handle.stop(purge=not os.environ.get("CRM_KEEP_TEST_STACK"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test on the stack reports what the pipeline still holds (pending outbox
    rows, parked messages): the usual cause of an event that never came."""
    outcome = yield
    report = outcome.get_result()
    handle = getattr(item, "funcargs", {}).get("stack")
    if report.when == "call" and report.failed and isinstance(handle, StackHandle):
        report.sections.append(("pipeline: pending outbox rows and parked messages",
                                handle.pending_report()))

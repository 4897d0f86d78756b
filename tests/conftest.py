"""Fixtures for tests that need the real broker and database.

One private stack per test session (its own RabbitMQ node, SecantusDB and the
five services, on free ports, under .local/), so a test run never touches a
running `make up`. Set CRM_TEST_STACK_DIR to run several sessions side by side.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.support import StackHandle

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def stack():
    base = Path(os.environ.get("CRM_TEST_STACK_DIR", ROOT / ".local" / "test-stack"))
    handle = StackHandle(base)
    try:
        handle.start(fresh=True)
        yield handle
    finally:
        handle.stop()
        if not os.environ.get("CRM_KEEP_TEST_STACK"):
            shutil.rmtree(base, ignore_errors=True)

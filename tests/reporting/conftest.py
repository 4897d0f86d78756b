"""A scratch reporting database on the test stack's reporting server, per test."""
from __future__ import annotations

import pytest

from reporting.storage import ReportingStore


@pytest.fixture
def store(stack):
    """An empty ReportingStore (its indexes made), dropped afterwards."""
    db = stack.db("reporting").client["crm_reporting_scratch_test"]
    db.client.drop_database(db.name)
    store = ReportingStore(db)
    store.ensure_indexes()
    yield store
    db.client.drop_database(db.name)
    db.client.close()

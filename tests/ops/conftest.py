"""Fixtures shared by the operations tests."""
from __future__ import annotations

import pytest
from pymongo import MongoClient


@pytest.fixture
def outbox_collection(stack, request):
    """An empty outbox collection on the stack's real database server, in a scratch
    database named after the test module, dropped afterwards."""
    name = "crm_scratch_" + request.module.__name__.rsplit(".", 1)[-1]
    client = MongoClient(stack.env["MONGO_URI"], tz_aware=True)
    client.drop_database(name)
    collection = client[name]["outbox"]
    collection.create_index("lease_by", sparse=True)
    yield collection
    client.drop_database(name)
    client.close()

"""`crm drain` tells the truth: an outbox row not yet published holds it (no queue
shows that event yet), and it returns 0 once the sweeper has published the row."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture
def tiering_outbox(stack):
    db = stack.db("tiering")
    yield db["outbox"]
    db.client.close()


def pending_row(lease: timedelta, age: timedelta = timedelta(0)) -> dict:
    """An event staged `age` ago by a worker whose lease runs `lease` from now; its
    type has no subscriber, so publishing it changes nothing downstream."""
    now = datetime.now(timezone.utc)
    event_id = str(uuid.uuid4())
    return {"_id": event_id, "type": "drain.probe", "body": {"event_id": event_id},
            "sent": False, "created_at": now - age, "lease_until": now + lease}


def test_drain_waits_for_an_unpublished_outbox_row(stack, tiering_outbox):
    stack.drain(timeout=300)
    row = pending_row(lease=timedelta(minutes=10))
    tiering_outbox.insert_one(row)
    try:
        held = stack.crm("drain", "--timeout", "5", check=False, timeout=60)
        assert held.returncode != 0, held.stdout
        assert "service tiering: 1 outbox row(s) pending" in held.stderr, held.stderr

        # the worker "died": its lease ran out, so the next sweep publishes the row
        tiering_outbox.update_one({"_id": row["_id"]}, {"$set": {
            "lease_until": datetime.now(timezone.utc) - timedelta(seconds=1),
            "created_at": datetime.now(timezone.utc) - timedelta(minutes=1)}})
        done = stack.crm("drain", "--timeout", "120", check=False, timeout=180)
        assert done.returncode == 0, done.stderr
        assert tiering_outbox.find_one({"_id": row["_id"]})["sent"] is True
    finally:
        tiering_outbox.delete_one({"_id": row["_id"], "sent": False})


def test_every_service_reports_its_pending_work(stack):
    with stack.rpc() as proxy:
        for service in ("ingestion", "dedup", "tiering", "assignment", "notification", "reporting", "groups"):
            work = getattr(proxy, service).work_pending()
            assert set(work) == {"in_flight", "outbox_pending"}
            assert all(isinstance(v, int) and v >= 0 for v in work.values())

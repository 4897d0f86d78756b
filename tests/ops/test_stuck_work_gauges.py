"""The age gauges behind CrmReviewsWaiting and CrmRejectsNotRepaired, read from the real
services' /metrics after a real reject and a real review are left open."""
from __future__ import annotations

import re
import time
from datetime import datetime, timezone
import urllib.request
import uuid

import pytest

from tests.dedup.helpers import record
from tools.stack.__main__ import SERVICES

pytestmark = pytest.mark.integration


def gauge(stack, service: str, name: str) -> float:
    url = stack.env["METRICS_URLS"].split()[SERVICES.index(service)]
    text = urllib.request.urlopen(url, timeout=10).read().decode()
    found = re.search(rf"^{name} (\S+)$", text, re.M)
    assert found, f"{service} does not export {name}"
    return float(found.group(1))


def test_an_open_reject_ages_on_ingestion_metrics(stack):
    stack.publish({"source": f"age_{uuid.uuid4().hex[:6]}", "external_id": "A-1"})  # no name
    stack.drain()
    assert any(r["reason"] for r in stack.crm_json("rejects", "list", "--json"))
    time.sleep(2.5)  # left open
    assert gauge(stack, "ingestion", "crm_ingestion_oldest_open_reject_age_seconds") >= 2


def test_an_open_review_ages_on_dedup_metrics(stack):
    tag = uuid.uuid4().hex[:6]
    pair = [record(f"ageA{tag}", "a-1", "欧阳锋", "AG01", phones=["15600070001"],
                   address={"postcode": "518002", "city": "深圳"},
                   registered_at="2024-04-01T09:00:00"),
            record(f"ageB{tag}", "b-1", "欧阳锋", "AG01", phones=["15600070002"],
                   address={"postcode": "518002", "city": "深圳"},
                   registered_at="2025-04-01T09:00:00")]
    stack.publish(pair[0])
    stack.drain()
    stack.publish(pair[1])
    stack.drain()
    reviews = [r for r in stack.crm_json("review", "list", "--json")
               if r["record_id"] == f"ageB{tag}:b-1"]
    assert len(reviews) == 1 and reviews[0]["status"] == "open", reviews
    time.sleep(2.5)
    assert gauge(stack, "dedup", "crm_dedup_oldest_open_review_age_seconds") >= 2
    stack.crm("review", "reject", reviews[0]["id"])
    # ours is closed: the gauge follows the oldest review still open (other tests of the
    # session may have left some), or reads 0 when none is
    oldest = stack.db("dedup")["reviews"].find_one({"status": "open"}, sort=[("at", 1)])
    age = gauge(stack, "dedup", "crm_dedup_oldest_open_review_age_seconds")
    if oldest is None:
        assert age == 0
    else:
        at = oldest["at"] if oldest["at"].tzinfo else oldest["at"].replace(tzinfo=timezone.utc)
        assert abs(age - (datetime.now(timezone.utc) - at).total_seconds()) < 30

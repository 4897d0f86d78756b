"""The foundation's promise: a customer published by a plain AMQP client comes out tiered."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from ingestion.domain.cn_id import check_digit

pytestmark = pytest.mark.integration
# a person no other test uses: the session's stack is shared by every test module
NATIONAL_ID = "650102" + "19770412" + "731" + check_digit("65010219770412731")
SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "contracts" / "jsonschema"
                     / "tier.changed.json").read_text())


def test_customer_from_plain_amqp_comes_out_as_valid_tier_changed(stack):
    stack.crm("managers", "add", "--id", "SK-M1", "--name", "Li Wei", "--role",
              "financial_manager", "--branch", "SK01", "--capacity", "5")
    subscriber = stack.subscribe("tiering.events", "tier.changed")
    try:
        stack.publish({"source": "head_office", "external_id": "SK-1", "name": "Skeleton Walker",
                       "national_id": NATIONAL_ID, "phones": ["19900000001"],
                       "branch": "SK01", "registered_by": "SK-M1",
                       "registered_at": "2025-03-01T10:00:00",
                       "financials": {"avg_daily_assets": 450000, "has_relationship": True}})
        stack.drain(timeout=600)  # earlier modules may leave the pipeline busy
        events = subscriber.wait_for(3, lambda e: e.get("branch") == "SK01")
    finally:
        subscriber.close()
    assert {e["scheme"] for e in events} == {"star", "service_band", "intent"}
    for event in events:
        jsonschema.validate(event, SCHEMA)
        assert event["previous"] is None and event["direction"] == "new"
        assert NATIONAL_ID not in json.dumps(event)
    star = next(e for e in events if e["scheme"] == "star")
    assert star["current"] == "4"
    customer_id = star["customer_id"]

    clusters = {c["customer_id"]: c for c in stack.crm_json("export", "clusters")}
    assert clusters[customer_id]["members"] == [{"source": "head_office", "external_id": "SK-1"}]
    tiers = {(t["customer_id"], t["scheme"]): t["tier"] for t in stack.crm_json("export", "tiers")}
    assert tiers[(customer_id, "service_band")] == "financial"
    assignments = {a["customer_id"]: a for a in stack.crm_json("export", "assignments")}
    assert assignments[customer_id]["manager_id"] == "SK-M1"
    assert assignments[customer_id]["role"] == "financial_manager"

"""An `interested` campaign call records a follow-up for the customer's intent class
(issue 23 point 3): campaigns publishes `call.logged`, notification records it."""
from __future__ import annotations

import pytest

from tests.assignment.helpers import eventually
from tests.assignment.people import unique_branch
from tests.campaigns.helpers import create, customer, log, publish_pool

pytestmark = pytest.mark.integration


def history(stack, customer_id: str) -> list[dict]:
    return stack.crm_json("followups", "history", customer_id, "--json")


def test_interested_call_is_a_follow_up_under_the_intent_class(stack):
    b = unique_branch("CF")
    records = [customer(b, "2", intent={"willingness": "medium", "potential": "medium"})
               for _ in range(2)]
    ids = publish_pool(stack, records)
    made = create(stack, "意向回访", b, "--star", "2", "--staff", f"{b}-S1")
    keen, cold = made["lists"][f"{b}-S1"]
    log(stack, made["campaign_id"], keen, f"{b}-S1", 75, "interested", "--product", "TD-3M")
    log(stack, made["campaign_id"], cold, f"{b}-S1", 70, "not_interested")

    rows = eventually(lambda: history(stack, keen), 20)
    assert len(rows) == 1, rows
    row = rows[0]
    assert row["by"] == f"{b}-S1" and row["outcome"] == "open"
    assert row["product"] == "TD-3M" and row["intent_class"] == "B"
    assert row["note"].startswith("campaign cmp-")
    assert "interested, product TD-3M" in row["note"]
    stack.drain()
    assert history(stack, cold) == []  # only an interested call is a follow-up
    assert len(history(stack, keen)) == 1  # once per call
    assert set(ids.values()) == {keen, cold}

"""campaigns.events and the gauges, read with a plain AMQP client and from /metrics."""
from __future__ import annotations

import json
import urllib.request

import pytest

from tests.assignment.helpers import eventually
from tests.assignment.people import unique_branch
from tests.campaigns.helpers import create, customer, log, publish_pool
from tools.stack.__main__ import SERVICES

pytestmark = pytest.mark.integration


def metrics_text(stack) -> str:
    url = stack.env["METRICS_URLS"].split()[SERVICES.index("campaigns")]
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def test_events_carry_ids_and_counts_only_and_gauges_follow_the_calls(stack):
    b = unique_branch("CE")
    records = [customer(b, "2") for _ in range(2)]
    publish_pool(stack, records)
    subscribers = {key: stack.subscribe("campaigns.events", key)
                   for key in ("campaign.created", "call.logged", "day.signed_off")}
    try:
        made = create(stack, "事件", b, "--star", "2", "--staff", f"{b}-A")
        target = made["lists"][f"{b}-A"][0]
        log(stack, made["campaign_id"], target, f"{b}-A", 75, "interested", "--product",
            "TD3M", "--note", "客户王小明 13800138000 想转存")
        log(stack, made["campaign_id"], target, f"{b}-A", 20, "callback")
        day = json.loads(log(stack, made["campaign_id"], target, f"{b}-A", 61).stdout)["date"]
        for role in ("supervisor", "president"):
            stack.crm("calls", "signoff", "--date", day, "--branch", b, "--by", f"{b}-{role}",
                      "--role", role)
        expected = {"campaign.created": 1, "call.logged": 3, "day.signed_off": 1}
        got = {key: sub.wait_for(expected[key], lambda e: e.get("branch") == b)
               for key, sub in subscribers.items()}
    finally:
        for sub in subscribers.values():
            sub.close()
    assert [e["campaign_id"] for e in got["campaign.created"]] == [made["campaign_id"]]
    assert got["campaign.created"][0]["customers"] == 2
    calls = got["call.logged"]
    assert sorted((e["seconds"], e["effective"]) for e in calls) == [(20, False), (61, True),
                                                                     (75, True)]
    text = json.dumps(calls, ensure_ascii=False)
    assert "note" not in text and "13800138000" not in text and "王小明" not in text
    assert all(e["customer_id"] == target and e["event_id"] for e in calls)
    signed = got["day.signed_off"]
    assert len(signed) == 1 and signed[0]["effective"] == 2 and signed[0]["calls"] == 3
    assert signed[0]["supervisor"] == f"{b}-supervisor" and signed[0]["president"] == f"{b}-president"

    def gauges() -> bool:
        text = metrics_text(stack)
        return (f'crm_campaigns_day_effective_calls{{branch="{b}"}} 2.0' in text
                and f'crm_campaigns_progress_ratio{{branch="{b}",campaign_id="{made["campaign_id"]}"}} 0.5'
                in text)
    eventually(gauges, 60, 2)
    text = metrics_text(stack)
    assert f'crm_campaigns_calls_total{{branch="{b}",effective="true",outcome="interested"}} 1.0' in text
    assert f'crm_campaigns_day_quota_calls{{branch="{b}"}}' in text
    assert f'crm_campaigns_last_working_day_shortfall_calls{{branch="{b}"}}' in text


def test_an_erased_customer_leaves_the_lists_and_their_notes_go(stack):
    b = unique_branch("CX")
    records = [customer(b, "2") for _ in range(2)]
    ids = publish_pool(stack, records)
    gone = ids[records[0]["external_id"]]
    made = create(stack, "擦除前", b, "--staff", f"{b}-A")
    log(stack, made["campaign_id"], gone, f"{b}-A", 80, "interested", "--note",
        "客户说下周再联系")
    stack.crm("erase", gone, "--by", "dpo", "--reason", "test", "--yes")
    stack.drain()

    def sealed() -> bool:
        db = stack.db("campaigns")
        try:
            row = db.customers.find_one({"_id": gone}) or {}
            notes = [c.get("note") for c in db.calls.find({"customer_id": gone})]
        finally:
            db.client.close()
        return row.get("erased") is True and notes == [None]
    eventually(sealed, 60, 1)
    after = create(stack, "擦除后", b, "--staff", f"{b}-A")
    assert after["lists"][f"{b}-A"] == [ids[records[1]["external_id"]]]

"""Follow-up reminders per intent class on a timer; recording a follow-up resets them."""
from __future__ import annotations

import time

import pytest

from tests.assignment.helpers import customer_ids, eventually
from tests.assignment.people import person, unique_branch

pytestmark = pytest.mark.integration


def reminders(stack, cid: str) -> list[dict]:
    """Over RPC without a limit: `crm notifications list` shows the first 1,000 only,
    and a whole test session sends more than that."""
    with stack.rpc() as rpc:
        rows = rpc.notification.notifications_list(None, 1_000_000)
    return [n for n in rows if n["event_id"].startswith(f"followup:{cid}:")]


def test_class_a_prospect_reminded_to_registrant_until_converted(stack, notifier):
    b = unique_branch("FU")
    hot = person(b, 0, registered_by=f"{b}-R", intent={"willingness": "high",
                                                       "potential": "high"})
    cold = person(b, 0, registered_by=f"{b}-R", intent={"willingness": "none"})
    for record in (hot, cold):
        stack.publish(record)
    stack.drain()
    ids = customer_ids(stack, [hot, cold])
    hot_id, cold_id = ids[hot["external_id"]], ids[cold["external_id"]]
    first = eventually(lambda: reminders(stack, hot_id), 30)  # A: every 7 "days" (7 s here)
    assert first[0]["recipient"] == f"{b}-R" and first[0]["language"] == "zh-CN"
    assert "跟进提醒" in first[0]["text"] and "意向等级 A" in first[0]["text"]
    assert hot["name"] not in first[0]["text"] and hot["phones"][0] not in first[0]["text"]

    with stack.rpc() as rpc:
        result = rpc.notification.followup_record(hot_id, "called, sent 13812345678 a brochure",
                                                  "open", f"{b}-R")
        assert result["intent_class"] == "A" and result["next_due"]
        count_after_open = len(reminders(stack, hot_id))
        time.sleep(4)  # the clock was reset: nothing due within 7 s of the follow-up
        assert len(reminders(stack, hot_id)) == count_after_open
        rpc.notification.followup_record(hot_id, "opened an account", "converted", f"{b}-R")
        history = rpc.notification.followup_history(hot_id)
        conversion = {r["intent_class"]: r for r in rpc.notification.followup_conversion()}
    assert [h["outcome"] for h in history] == ["open", "converted"]
    assert "13812345678" not in history[0]["note"]  # notes are masked at rest
    assert conversion["A"]["converted"] >= 1 and conversion["A"]["conversion"] > 0
    settled = len(reminders(stack, hot_id))
    time.sleep(9)
    assert len(reminders(stack, hot_id)) == settled  # converted: no more reminders
    assert reminders(stack, cold_id) == []  # class D: no follow-up
    events = [r["event_id"] for r in reminders(stack, hot_id)]
    assert len(events) == len(set(events))

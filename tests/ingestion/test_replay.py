"""Issue 4, 'Done when' #2: replays create nothing twice; repaired rejects come back."""
from __future__ import annotations

import json

import pytest

from tests.ingestion.helpers import cn_id, open_rejects, records, wait_intake_empty

pytestmark = pytest.mark.integration


def from_replay(event: dict) -> bool:
    return event.get("source") == "replay_t"


def test_rejected_record_comes_back_after_correction(stack):
    stack.publish({"source": "fix_t", "external_id": "F-1", "branch": "BJ01",
                   "phones": "13812340001"})  # wrong type and nothing to identify
    wait_intake_empty(stack)
    reject = next(r for r in open_rejects(stack) if r["source"] == "fix_t")
    assert reject["reason"] == "wrong_type"

    still = stack.crm("rejects", "replay", reject["id"], check=False)
    assert still.returncode == 2 and "still rejected" in still.stderr
    shown = json.loads(stack.crm("rejects", "show", reject["id"], "--json").stdout)
    assert '"external_id": "F-1"' in shown["raw"] and "138****0001" in shown["raw"]

    subscriber = stack.subscribe("ingestion.events", "customer.ingested")
    try:
        done = stack.crm("rejects", "replay", reject["id"], "--set", "phones=13812340001",
                         "--set", "name=韩梅梅")
        assert "1 accepted" in done.stdout
        wait_intake_empty(stack)
        events = subscriber.wait_for(1, lambda e: e.get("source") == "fix_t")
    finally:
        subscriber.close()
    [record] = records(stack, "fix_t")
    assert record["name"] == "韩梅梅" and record["branch"] == "BJ01"
    assert [e["record_id"] for e in events] == ["fix_t:F-1"]
    assert reject["id"] not in {r["id"] for r in open_rejects(stack)}

    again = stack.crm("rejects", "replay", "--all")  # closed rejects are not run again
    assert len(records(stack, "fix_t")) == 1 and "replayed:" in again.stdout


def test_same_thousand_records_twice_make_one_record_and_one_event_each(stack):
    batch = [{"source": "replay_t", "external_id": f"R-{i:04d}", "name": f"客户{i}",
              "national_id": cn_id(i), "phones": [f"1381234{i:04d}"],
              "financials": {"avg_daily_assets": 1000 * i}} for i in range(1000)]
    subscriber = stack.subscribe("ingestion.events", "customer.ingested")
    try:
        for _ in range(2):
            for start in range(0, 1000, 100):
                stack.publish(batch[start:start + 100])
        wait_intake_empty(stack)
        events = subscriber.wait_for(1000, from_replay, deadline=300)  # a loaded machine pauses
        stack.publish({"source": "replay_m", "external_id": "M-1", "name": "标记甲",
                       "phones": ["13812349999"]})  # published after: no duplicate before it
        events += subscriber.take_until(lambda e: e.get("source") == "replay_m", from_replay)
    finally:
        subscriber.close()

    # the 1,000 customers flow on through dedup ... notification: let them settle, so
    # the modules after this one start with an idle pipeline
    stack.drain(timeout=500)
    stored = records(stack, "replay_t")
    assert len(stored) == 1000
    assert {r["version"] for r in stored} == {1}
    assert len(events) == 1000
    assert len({e["record_id"] for e in events}) == 1000
    assert len({e["event_id"] for e in events}) == 1000

"""What a publish pass sends and how its outcome maps back to outbox rows (no I/O)."""
from __future__ import annotations

from common import feed
from common.confirms import Outcome
from contracts import names
from contracts.batches import MAX_EVENTS, batch_key, events_in


def rows(event_type: str, n: int, start: int = 0) -> list[dict]:
    return [{"_id": f"{event_type}-{i}", "type": event_type,
             "body": {"event_id": f"{event_type}-{i}", "customer_id": f"C{i}"}}
            for i in range(start, start + n)]


def test_each_event_alone_and_one_batch_message_per_type_in_order():
    passed = rows(names.TIER_CHANGED, 3) + rows(names.NOTIFICATION_SENT, 2) + \
        rows(names.CUSTOMER_ASSIGNED, 2)
    messages, carried = feed.outgoing(passed)
    singles = [m for m in messages if m.row_id not in carried]
    assert [m.row_id for m in singles] == [r["_id"] for r in passed]
    assert not any(m.mandatory for m in singles)
    batches = {m.routing_key: m for m in messages if m.row_id in carried}
    assert set(batches) == {batch_key(names.TIER_CHANGED), batch_key(names.CUSTOMER_ASSIGNED)}
    tiers = batches[batch_key(names.TIER_CHANGED)]
    assert tiers.mandatory and tiers.masked
    assert [e["event_id"] for e in events_in(tiers.body)] == [f"{names.TIER_CHANGED}-{i}"
                                                             for i in range(3)]
    assert carried[tiers.row_id] == [f"{names.TIER_CHANGED}-{i}" for i in range(3)]


def test_a_large_pass_is_cut_into_messages_of_at_most_max_events():
    passed = rows(names.CUSTOMER_INGESTED, MAX_EVENTS * 2 + 1)
    messages, carried = feed.outgoing(passed)
    sizes = [len(ids) for ids in carried.values()]
    assert sizes == [MAX_EVENTS, MAX_EVENTS, 1]
    assert [r for ids in carried.values() for r in ids] == [r["_id"] for r in passed]


def test_a_row_is_sent_only_when_its_message_and_its_batch_message_went_through():
    carried = {"b1": ["r1", "r2"], "b2": ["r3", "r4"], "b3": ["r5"]}
    outcome = Outcome(delivered=["r1", "r2", "r3", "r5", "b1", "n1"], returned=["b2"],
                      failed=["r4", "b3"], error=None)
    mapped = feed.per_row(outcome, carried)
    assert mapped.delivered == ["r1", "r2", "n1"]
    assert mapped.returned == ["r3", "r4"]  # their batch message found no queue
    assert mapped.failed == ["r5"]          # r4 is returned already; r5's batch failed


def test_every_message_carries_masked_bodies_masked_once(monkeypatch):
    calls = []

    def masking(event_type, body):
        calls.append(body["event_id"])
        return {**body, "customer_id": "masked"}
    monkeypatch.setattr(feed, "mask_event", masking)
    passed = rows(names.TIER_CHANGED, 2)
    messages, carried = feed.outgoing(passed)
    assert sorted(calls) == sorted(r["_id"] for r in passed)  # once per event
    assert all(m.masked for m in messages)
    singles = [m.body for m in messages if m.row_id not in carried]
    [batch] = [m.body for m in messages if m.row_id in carried]
    assert {b["customer_id"] for b in singles + events_in(batch)} == {"masked"}


def test_with_an_encoder_each_event_is_encoded_once_and_batches_join_the_texts():
    import json
    encoded = []

    def encode(value):
        encoded.append(value)
        return json.dumps(value)
    passed = rows(names.TIER_CHANGED, 3) + rows(names.NOTIFICATION_SENT, 1)
    messages, carried = feed.outgoing(passed, encode=encode)
    assert sum(isinstance(v, dict) for v in encoded) == len(passed)  # events: once each
    assert all(json.loads(m.text) == m.body for m in messages)
    [batch] = [m for m in messages if m.row_id in carried]
    assert json.loads(batch.text) == {"batch_of": names.TIER_CHANGED,
                                      "events": [r["body"] for r in passed[:3]]}
    assert batch.text == json.dumps(batch.body)  # the text the encoder would have made


def test_without_an_encoder_the_publisher_encodes():
    messages, _ = feed.outgoing(rows(names.TIER_CHANGED, 2))
    assert all(m.text is None for m in messages)

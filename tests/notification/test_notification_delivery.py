"""Told once, masked, in the right language, through real SMTP and a real webhook (issue 8)."""
from __future__ import annotations

import json

import pytest
from kombu import Connection, Exchange, Producer

from contracts.batches import batch_key
from tests.assignment.helpers import add_manager, customer_ids, eventually
from tests.assignment.people import person, unique_branch
from tests.notification.receivers import WebhookReceiver
from tools.stack.procs import free_port

pytestmark = pytest.mark.integration


def prefer(stack, recipient: str, **prefs) -> None:
    with stack.rpc() as rpc:
        rpc.notification.preferences_set(recipient, prefs)


def outbox(stack, **match) -> list[dict]:
    """Matching notifications over RPC (the CLI listing shows the first 1,000 only)."""
    return [n for n in stack.notifications() if all(n.get(k) == v for k, v in match.items())]


def assigned_customer(stack, branch, manager, **kw):
    record = person(branch, 400_000, registered_by=manager, **kw)
    stack.publish(record)
    stack.drain()
    return record, customer_ids(stack, [record])[record["external_id"]]


def assert_masked(text: str, record: dict) -> None:
    phone = record["phones"][0]
    assert record["name"] not in text and phone not in text
    assert record["national_id"] not in text and record["national_id"][6:14] not in text
    assert f"{record['name'][0]}**" in text and f"{phone[:3]}****{phone[-4:]}" in text


def test_email_goes_to_the_right_person_masked_in_their_language(stack, notifier):
    b = unique_branch("NE")
    add_manager(stack, f"{b}-EN", "financial_manager", b)
    add_manager(stack, f"{b}-ZH", "financial_manager", b)
    prefer(stack, f"{b}-EN", channel="email", address=f"{b.lower()}-en@bank.example",
           language="en")
    prefer(stack, f"{b}-ZH", channel="email", address=f"{b.lower()}-zh@bank.example")
    record, cid = assigned_customer(stack, b, f"{b}-EN")
    en = eventually(lambda: notifier.to(f"{b.lower()}-en@bank.example"), 30)
    assert len(en) == 1 and en[0]["subject"] == "Customer assignment"
    assert en[0]["body"].startswith("Customer ") and "is now yours to maintain" in en[0]["body"]
    assert_masked(en[0]["body"], record)
    assert not notifier.to(f"{b.lower()}-zh@bank.example")

    stack.crm("assign", cid, f"{b}-ZH", "--reason", "customer-choice")
    zh = eventually(lambda: notifier.to(f"{b.lower()}-zh@bank.example"), 30)
    gone = eventually(lambda: (m := notifier.to(f"{b.lower()}-en@bank.example")) and
                      len(m) == 2 and m, 30)
    assert len(zh) == 1 and zh[0]["subject"] == "客户分配通知"
    assert zh[0]["body"].startswith("新客户") and "客户自主选择" in zh[0]["body"]
    assert_masked(zh[0]["body"], record)
    assert "has moved away from you (the customer's choice)" in gone[1]["body"]

    rows = outbox(stack, recipient=f"{b}-ZH")
    assert [(r["channel"], r["status"], r["language"]) for r in rows] == [("email", "sent",
                                                                          "zh-CN")]
    assert {"event_id", "recipient", "channel", "status", "text"} <= set(rows[0])
    assert rows[0]["text"] == zh[0]["body"]
    listed = stack.crm_json("notifications", "list", "--json")  # the operator's view
    assert listed and {"event_id", "recipient", "channel", "status", "text"} <= set(listed[0])


def test_redelivered_event_sends_nothing_twice(stack, notifier):
    b = unique_branch("NR")
    add_manager(stack, f"{b}-M", "financial_manager", b)
    address = f"{b.lower()}@bank.example"
    prefer(stack, f"{b}-M", channel="email", address=address, language="en")
    events = stack.subscribe("assignment.events", "customer.assigned")
    try:
        record, cid = assigned_customer(stack, b, f"{b}-M")
        original = events.wait_for(1, lambda e: e["customer_id"] == cid)[0]
    finally:
        events.close()
    eventually(lambda: notifier.to(address), 30)
    exchange = Exchange("assignment.events", type="topic", durable=True)
    with Connection(stack.env["AMQP_URI"]) as conn:
        producer = Producer(conn.channel(), exchange=exchange)
        for _ in range(2):
            producer.publish(json.dumps(original), routing_key=batch_key("customer.assigned"),
                             content_type="application/json", delivery_mode=2)
    stack.drain()
    import time
    time.sleep(3)
    assert len(notifier.to(address)) == 1
    assert len(outbox(stack, event_id=original["event_id"])) == 1


def test_smtp_down_at_first_gets_the_message_when_it_comes_back(stack, notifier):
    b = unique_branch("ND")
    add_manager(stack, f"{b}-M", "financial_manager", b)
    address = f"{b.lower()}@bank.example"
    prefer(stack, f"{b}-M", channel="email", address=address, language="en")
    notifier.stop()
    try:
        # no drain here: under load it outlasts the retries (2, 4, 8 s), and the message
        # would be parked as failed before anyone looked; the first attempt is enough
        record = person(b, 400_000, registered_by=f"{b}-M")
        stack.publish(record)
        pending = eventually(lambda: [r for r in outbox(stack, recipient=f"{b}-M")
                                      if r["attempts"] >= 1], 180)
        assert pending[0]["status"] == "pending" and "Error" in pending[0]["error"]
    finally:
        notifier.start()
    got = eventually(lambda: notifier.to(address), 30)
    assert len(got) == 1
    assert_masked(got[0]["body"], record)
    row = eventually(lambda: [r for r in outbox(stack, recipient=f"{b}-M")
                              if r["status"] == "sent"], 30)[0]
    assert row["attempts"] >= 1


def test_webhook_signed_and_failed_sends_are_parked_then_retried(stack, notifier,
                                                                 webhook_secret):
    b = unique_branch("NW")
    port = free_port()
    add_manager(stack, f"{b}-M", "financial_manager", b)
    prefer(stack, f"{b}-M", channel="webhook", address=f"http://127.0.0.1:{port}/hook")
    record, cid = assigned_customer(stack, b, f"{b}-M")  # nobody listening yet
    failed = eventually(lambda: [r for r in stack.crm_json("notifications", "failed", "--json")
                                 if r["recipient"] == f"{b}-M"], 60)
    assert failed[0]["attempts"] == 4 and failed[0]["channel"] == "webhook"
    assert stack.crm("notifications", "retry", check=False).returncode != 0  # no ID, no --all

    receiver = WebhookReceiver(port, webhook_secret).start()
    try:
        stack.crm("notifications", "retry", failed[0]["id"])
        hits = eventually(lambda: receiver.received, 30)
    finally:
        receiver.stop()
    assert len(hits) == 1 and hits[0]["verified"] and hits[0]["path"] == "/hook"
    body = hits[0]["body"]
    assert body["recipient"] == f"{b}-M" and body["subject"] == "客户分配通知"
    assert body["text"].startswith("新客户")
    assert_masked(body["text"], record)
    assert eventually(lambda: outbox(stack, recipient=f"{b}-M", status="sent"), 30)
    assert not [r for r in stack.crm_json("notifications", "failed", "--json")
                if r["recipient"] == f"{b}-M"]

"""A service whose queue did not exist yet when events were published still receives
them all once it starts.

Every subscriber of `customer.assigned` (notification, campaigns, reporting) is stopped
and its queue for it deleted (an operator's mistake; the same as a first start on a
broker nobody declared the topology on). Customers then go through the pipeline:
assignment publishes `customer.assigned` with `mandatory=True`, the broker returns each
one unroutable, and the outbox keeps them pending (never marked sent) and counts them in
`crm_events_unroutable_total`. `make up` semantics (declare the topology again, start
what is not running) then let the outbox sweeper deliver every one of them.

`mandatory` only tells "no queue at all": while one subscriber's queue is missing and
another's is there, the broker routes the event to the one that exists. The topology is
therefore declared before anything publishes (`make up`, the compose broker-access job,
the Kubernetes Topology Operator), and a deleted queue is an operator's error that
`crm deadletters`/`crm status` show (docs/operations.md).
"""
from __future__ import annotations

import signal
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from common.outbox_store import events_of, pending_of
from prometheus_client.parser import text_string_to_metric_families

from tests.faults.population import Population
from tools.stack import access

pytestmark = [pytest.mark.integration, pytest.mark.faults]

SUBSCRIBERS = {service: method for service, handlers in access.HANDLERS.items()
               for source, event_type, method in handlers
               if (source, event_type) == ("assignment", "customer.assigned")}
QUEUES = [access.event_queue("assignment", "customer.assigned", service, method)
          for service, method in sorted(SUBSCRIBERS.items())]
# a sweep (5 s) after the row is 10 s old, plus a whole outbox lease (60 s), plus slack
DELIVERY_DEADLINE = 180.0


def management(stack) -> access.Management:
    return access.Management(stack.stack.ports()["amqp_mgmt"])


def queue_exists(stack, name: str) -> bool:
    try:
        management(stack).request(f"queues/%2F/{urllib.parse.quote(name, safe='')}")
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return False
        raise
    return True


def unroutable_count(stack, service: str, event_type: str) -> float:
    """crm_events_unroutable_total of one running service process."""
    url = f"http://127.0.0.1:{stack.stack.ports()[service]}/metrics"
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    return sum(sample.value for family in text_string_to_metric_families(text)
               for sample in family.samples
               if sample.name == "crm_events_unroutable_total"
               and sample.labels == {"service": service, "event_type": event_type})


def assigned_rows(stack, pop: Population) -> list[dict]:
    """assignment's stored `customer.assigned` events for this scenario's maintainers,
    each with `sent`: published and confirmed (common.outbox_store's pass documents)."""
    db = stack.db("assignment")
    try:
        passes = list(db["outbox"].find({"events.type": "customer.assigned"}))
    finally:
        db.client.close()
    rows = []
    for doc in passes:
        waiting = {e["_id"] for e in pending_of(doc)}
        rows += [{**e, "sent": e["_id"] not in waiting} for e in events_of(doc)
                 if e["type"] == "customer.assigned"
                 and e["body"].get("manager_id") in pop.managers]
    return rows


def wait_until(check, timeout: float, interval: float = 2.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)


def test_events_published_while_a_queue_is_missing_arrive_once_it_exists(stack):
    pop = Population("unrouted", slot=7, size=20)
    pop.add_managers(stack)
    seats = 2 * max(1, (pop.size * 4 // 5) // 2)  # what add_managers gives the two of them
    assert "notification" in SUBSCRIBERS
    for service in SUBSCRIBERS:
        assert stack.signal_service(service, signal.SIGTERM) is not None, \
            f"{service} was not running"
    try:
        for queue in QUEUES:
            management(stack).request(f"queues/%2F/{urllib.parse.quote(queue, safe='')}",
                                      method="DELETE")
            assert not queue_exists(stack, queue)
        stack.publish_many(pop.records(), user="upstream")

        def all_staged() -> list[dict]:
            found = assigned_rows(stack, pop)
            return found if len(found) >= seats else []

        assert wait_until(all_staged, 180), "assignment did not stage every customer.assigned"
        # The first attempt is counted unroutable at once; one that failed otherwise (a
        # confirm timeout on a loaded machine) waits for its lease and a sweep: a deadline
        # past both, never a fixed pause.
        assert wait_until(lambda: unroutable_count(stack, "assignment",
                                                   "customer.assigned") >= 1,
                          DELIVERY_DEADLINE), "no customer.assigned was counted unroutable"
        time.sleep(16)  # old enough for the sweeper (10 s), which retried them at least once
        rows = assigned_rows(stack, pop)
        assert len(rows) == seats, f"{len(rows)} customer.assigned events, expected {seats}"
        assert [r["_id"] for r in rows if r["sent"]] == [], "an unroutable event was marked sent"
        assert not any(queue_exists(stack, q) for q in QUEUES), \
            "something declared a queue behind our back"
    finally:
        stack.up()  # declares the topology again and starts the subscribers

    assert all(queue_exists(stack, q) for q in QUEUES)
    wanted = {r["_id"] for r in rows}

    def delivered() -> bool:
        notified = {n["event_id"] for n in stack.notifications() if n["recipient"] in pop.managers}
        sent = {r["_id"] for r in assigned_rows(stack, pop) if r["sent"]}
        return wanted <= notified and wanted <= sent

    assert wait_until(delivered, DELIVERY_DEADLINE, 3.0), (
        f"not every event reached notification within {DELIVERY_DEADLINE:.0f}s of the restart")
    print(f"\nscenario unrouted: {len(wanted)} events held back while their queue was missing,"
          f" {len(wanted)} delivered after it was declared", flush=True)

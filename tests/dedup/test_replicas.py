"""Several dedup replicas on one queue, each person arriving twice at once."""
from __future__ import annotations

import re
import time
import urllib.request
from datetime import date, timedelta

import pytest

from tools.stack.procs import read_pid, stop_pid

from .helpers import clusters, cn_id, dedup_consumers, members, record, wait_until

pytestmark = pytest.mark.integration

PEOPLE = 40
BURST = 5
SURNAMES = "轩辕皇甫公孙宇文司徒夏侯"
GIVEN = "岚峻彧珩瑾琛璟翊霁晗昀泓骞"


def _person(i: int) -> tuple[dict, dict]:
    born = date(1950, 1, 3) + timedelta(days=331 * i)
    nid = cn_id(born.strftime("%Y%m%d"), 900 + i)
    name = SURNAMES[2 * (i % 6): 2 * (i % 6) + 2] + GIVEN[i % 13] + GIVEN[(i * 5 + 1) % 13]
    phone = f"1570009{i:04d}"
    a = record("dcA", f"a-{i}", name, "DC01", national_id=nid, phones=[phone],
               birth_date=born.isoformat(), registered_at="2024-09-01T09:00:00")
    b = record("dcB", f"b-{i}", name, "DC01", national_id=f"{nid[:6]} {nid[6:14]} {nid[14:]}",
               phones=[f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}"],
               birth_date=born.isoformat(), registered_at="2024-10-01T09:00:00")
    return a, b


def _placed(pidfile) -> tuple[float, float]:
    """(records placed, replica conflicts) from one dedup process's own metrics."""
    environ = open(f"/proc/{read_pid(pidfile)}/environ", "rb").read().split(b"\0")
    port = next(v.split(b"=", 1)[1].decode() for v in environ if v.startswith(b"WEB_PORT="))
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    total = lambda name: sum(float(v) for v in re.findall(rf"^{name}(?:{{[^}}]*}})? (\S+)$",
                                                          text, re.M))
    return total("crm_dedup_decisions_total"), total("crm_dedup_replica_conflicts_total")


@pytest.fixture
def replicas(stack):
    base = dedup_consumers(stack)
    started = [stack.start_replica("dedup") for _ in range(2)]
    try:
        assert wait_until(lambda: dedup_consumers(stack) >= base + 2, 90), \
            "the extra dedup replicas never consumed"
        yield started
    finally:
        for pidfile in started:
            stop_pid(pidfile)
            if pidfile in stack.extra:
                stack.extra.remove(pidfile)


def test_concurrent_duplicates_with_several_replicas(stack, replicas):
    """Each person's two records go out in two bursts one after the other (a-0..4, then
    b-0..4, a-5..9, ...): ingestion publishes each burst's customer.ingested as a batch
    message of its own, so the bursts reach the replicas in turn and a person's two
    records are placed by two replicas at nearly the same time."""
    people = [_person(i) for i in range(PEOPLE)]
    for start in range(0, PEOPLE, BURST):
        for side in (0, 1):
            stack.publish_many([pair[side] for pair in people[start:start + BURST]])
            time.sleep(0.15)  # longer than ingestion's batch wait: a pass per burst
    stack.drain()
    placed = [_placed(p) for p in replicas]
    print(f"extra replicas placed/conflicts: {placed}")
    assert all(n > 0 for n, _ in placed), f"an extra replica took no work: {placed}"
    found = clusters(stack, {"dcA", "dcB"})
    sizes = sorted(len(c["members"]) for c in found)
    assert len(found) == PEOPLE, f"{len(found)} customers for {PEOPLE} people: sizes {sizes}"
    for c in found:
        i = c["members"][0]["external_id"].split("-")[1]
        assert members(c) == {f"dcA:a-{i}", f"dcB:b-{i}"}, c
        assert c["owner"]["source"] == "dcA"

"""Dedup against the real broker and database: matching, merging and ownership.

Every test uses its own sources, branch, names, birth dates, phones and ID
numbers, so the shared session stack's other customers never block with them.
"""
from __future__ import annotations

import pytest

from .helpers import FULL_WIDTH, cluster_of, clusters, cn_id, members, record

pytestmark = pytest.mark.integration


@pytest.fixture
def merged_events(stack):
    subscriber = stack.subscribe("dedup.events", "customer.merged")
    yield subscriber
    subscriber.close()


def test_merge_on_formatted_identifiers(stack):
    """The same ID typed with spaces and a lower-case x, and with full-width digits
    and hyphens, is one person. The names differ (an alias), so only the ID links them."""
    nid = cn_id("19720815", 120, check="X")
    spaced = f"{nid[:6]} {nid[6:14]} {nid[14:17]}x"
    wide = f"{nid[:6]}-{nid[6:14]}-{nid[14:]}".translate(FULL_WIDTH)
    assert spaced != nid and wide != nid
    stack.publish([
        record("dfA", "a-1", "欧阳锋", "DF01", national_id=spaced, phones=["15600010001"]),
        record("dfB", "b-1", "欧阳克", "DF01", national_id=wide, phones=["15600010002"]),
    ])
    stack.drain()
    found = clusters(stack, {"dfA", "dfB"})
    assert len(found) == 1, found
    assert members(found[0]) == {"dfA:a-1", "dfB:b-1"}


def test_merge_on_name_birth_date_and_phone_without_id(stack):
    """No ID anywhere. A name written with spaces between the characters and a phone
    written "+86 156 ..." meet the plain spellings. The second record has no birth
    date, so it can only join through the phone (and the name); the third joins
    through name + birth date + phone."""
    stack.publish(record("dnA", "a-1", "端 木 蓉", "DN01", phones=["+86 156 0002 0001"],
                         birth_date="1968-04-12"))
    stack.drain()
    stack.publish(record("dnB", "b-1", "端木蓉", "DN01", phones=["15600020001"]))
    stack.publish(record("dnC", "c-1", "端木蓉", "DN01", phones=["156-0002-0001"],
                         birth_date="1968-04-12"))
    stack.drain()
    found = clusters(stack, {"dnA", "dnB", "dnC"})
    assert len(found) == 1, found
    assert members(found[0]) == {"dnA:a-1", "dnB:b-1", "dnC:c-1"}


def test_namesakes_with_different_birth_dates_stay_apart(stack):
    stack.publish([
        record("dsA", "a-1", "司马懿明", "DS01", phones=["15600030001"], birth_date="1971-02-03"),
        record("dsB", "b-1", "司马懿明", "DS01", phones=["15600030002"], birth_date="1979-11-23"),
    ])
    stack.drain()
    found = clusters(stack, {"dsA", "dsB"})
    assert sorted(map(sorted, map(members, found))) == [["dsA:a-1"], ["dsB:b-1"]], found


def test_transitive_merge(stack, merged_events):
    """A (ID, no contact) and B (no ID, a phone, another birth date: a namesake of A)
    are two customers; C carries A's ID and B's phone and birth date, so it is both:
    one customer with three members, B's golden absorbed into A's (registered first)."""
    nid = cn_id("19660519", 401)
    stack.publish(record("dtA", "a-1", "上官飞燕", "DT01", national_id=nid,
                         registered_at="2024-02-01T09:00:00"))
    stack.publish(record("dtB", "b-1", "上官飞燕", "DT01", phones=["15600040001"],
                         birth_date="1985-05-05", registered_at="2024-03-01T09:00:00"))
    stack.drain()
    before = clusters(stack, {"dtA", "dtB"})
    assert len(before) == 2, f"A and B merged directly; transitive case not reached: {before}"
    a_id = cluster_of(before, "dtA:a-1")["customer_id"]
    b_id = cluster_of(before, "dtB:b-1")["customer_id"]

    stack.publish(record("dtC", "c-1", "上官飞燕", "DT01", national_id=nid,
                         phones=["15600040001"], birth_date="1985-05-05",
                         registered_at="2025-03-01T09:00:00"))
    stack.drain()
    after = clusters(stack, {"dtA", "dtB", "dtC"})
    assert len(after) == 1, after
    assert members(after[0]) == {"dtA:a-1", "dtB:b-1", "dtC:c-1"}
    assert after[0]["customer_id"] == a_id
    events = merged_events.wait_for(1, lambda e: e["record_id"] == "dtC:c-1")
    assert len(events) == 1, events
    assert events[0]["survivor_id"] == a_id
    assert events[0]["absorbed_ids"] == [b_id]
    assert events[0]["customer"]["member_count"] == 3


def test_first_registrant_owns_and_keeps_it_through_merges(stack):
    """The 2024 registration arrives after the 2025 one: it owns the customer
    (registered_at, not arrival); a later transitive merge with a customer registered
    in between does not change the owner or the surviving customer id."""
    nid = cn_id("19700228", 502)
    stack.publish(record("doLate", "l-1", "诸葛明亮", "DO01", national_id=nid,
                         phones=["15600050001"], registered_by="M-LATE",
                         registered_at="2025-06-01T10:00:00"))
    stack.drain()
    first = clusters(stack, {"doLate"})
    assert len(first) == 1 and first[0]["owner"]["source"] == "doLate", first
    customer_id = first[0]["customer_id"]

    stack.publish(record("doEarly", "e-1", "诸葛明亮", "DO01", national_id=nid,
                         phones=["15600050002"], registered_by="M-EARLY",
                         registered_at="2024-01-01T09:00:00"))
    stack.drain()
    found = clusters(stack, {"doLate", "doEarly"})
    assert len(found) == 1, found
    assert found[0]["customer_id"] == customer_id
    assert found[0]["owner"] == {"registered_by": "M-EARLY", "registered_at": "2024-01-01T09:00:00",
                                 "source": "doEarly", "external_id": "e-1"}

    # another customer (a namesake by birth date, registered between the two) ...
    stack.publish(record("doMid", "m-1", "诸葛明亮", "DO01", phones=["15600050003"],
                         birth_date="1988-08-08", registered_by="M-MID",
                         registered_at="2024-06-01T09:00:00"))
    stack.drain()
    assert len(clusters(stack, {"doLate", "doEarly", "doMid"})) == 2
    # ... then a record linking both: one customer, still owned by the 2024-01-01 one
    stack.publish(record("doLink", "k-1", "诸葛明亮", "DO01", national_id=nid,
                         phones=["15600050003"], birth_date="1988-08-08",
                         registered_by="M-LINK", registered_at="2026-01-01T09:00:00"))
    stack.drain()
    final = clusters(stack, {"doLate", "doEarly", "doMid", "doLink"})
    assert len(final) == 1, final
    assert members(final[0]) == {"doLate:l-1", "doEarly:e-1", "doMid:m-1", "doLink:k-1"}
    assert final[0]["customer_id"] == customer_id
    assert final[0]["owner"] == {"registered_by": "M-EARLY", "registered_at": "2024-01-01T09:00:00",
                                 "source": "doEarly", "external_id": "e-1"}

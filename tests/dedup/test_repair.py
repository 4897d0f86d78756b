"""Dedup's review, unmerge and red list through the `crm` command, on the real stack."""
from __future__ import annotations

import json

import pytest

from .helpers import cluster_of, clusters, cn_id, members, record, redlist, reviews

pytestmark = pytest.mark.integration


def _possible_pair(source_a: str, source_b: str, name: str, branch: str, postcode: str,
                   phone_a: str, phone_b: str) -> list[dict]:
    """Same name and postcode, no birth date, no ID, different phones: a possible match
    under the configured weights (same name + same birth date would already merge)."""
    return [record(source_a, "a-1", name, branch, phones=[phone_a],
                   address={"postcode": postcode, "city": "深圳"},
                   registered_at="2024-04-01T09:00:00"),
            record(source_b, "b-1", name, branch, phones=[phone_b],
                   address={"postcode": postcode, "city": "深圳"},
                   registered_at="2025-04-01T09:00:00")]


def _review_for(stack, record_id: str) -> dict:
    found = [r for r in reviews(stack) if r["record_id"] == record_id]
    assert len(found) == 1, (record_id, reviews(stack))
    return found[0]


def test_review_accept_merges_and_reject_keeps_apart(stack):
    merged = stack.subscribe("dedup.events", "customer.merged")
    try:
        accept_pair = _possible_pair("drvA", "drvB", "慕容复", "DR01", "518000",
                                     "15600060001", "15600060002")
        reject_pair = _possible_pair("drjA", "drjB", "令狐冲", "DR01", "518001",
                                     "15600060003", "15600060004")
        for pair in (accept_pair, reject_pair):
            stack.publish(pair[0])
        stack.drain()
        for pair in (accept_pair, reject_pair):
            stack.publish(pair[1])
        stack.drain()

        before = clusters(stack, {"drvA", "drvB"})
        assert len(before) == 2, f"a possible match must not merge by itself: {before}"
        a_id = cluster_of(before, "drvA:a-1")["customer_id"]
        b_id = cluster_of(before, "drvB:b-1")["customer_id"]
        to_accept = _review_for(stack, "drvB:b-1")
        assert {to_accept["customer_id"], to_accept["candidate_id"]} == {a_id, b_id}
        assert to_accept["status"] == "open"
        to_reject = _review_for(stack, "drjB:b-1")

        result = json.loads(stack.crm("review", "accept", to_accept["id"]).stdout)
        assert result == {"survivor_id": a_id, "absorbed_id": b_id}  # earlier registrant survives
        stack.crm("review", "reject", to_reject["id"])
        stack.drain()

        accepted = clusters(stack, {"drvA", "drvB"})
        assert len(accepted) == 1 and accepted[0]["customer_id"] == a_id, accepted
        assert members(accepted[0]) == {"drvA:a-1", "drvB:b-1"}
        assert accepted[0]["owner"]["source"] == "drvA"
        rejected = clusters(stack, {"drjA", "drjB"})
        assert sorted(map(sorted, map(members, rejected))) == [["drjA:a-1"], ["drjB:b-1"]]
        open_ids = {r["id"] for r in reviews(stack)}
        assert to_accept["id"] not in open_ids and to_reject["id"] not in open_ids
        events = merged.wait_for(1, lambda e: e["survivor_id"] == a_id)
        assert [e["absorbed_ids"] for e in events] == [[b_id]], events
        # a closed review cannot be decided again
        assert stack.crm("review", "accept", to_reject["id"], check=False).returncode != 0
    finally:
        merged.close()


def test_unmerge_splits_a_record_out(stack):
    """The record that owned the customer is split out: two customers, the new one
    announced with customer.registered, the old one re-owned by the remaining record."""
    registered = stack.subscribe("dedup.events", "customer.registered")
    try:
        nid = cn_id("19620707", 701)
        stack.publish([
            record("duA", "a-1", "独孤求败", "DU01", national_id=nid, phones=["15600070001"],
                   registered_by="M-A", registered_at="2024-01-05T09:00:00"),
            record("duB", "b-1", "独孤求败", "DU01", national_id=nid, phones=["15600070002"],
                   registered_by="M-B", registered_at="2025-01-05T09:00:00"),
        ])
        stack.drain()
        found = clusters(stack, {"duA", "duB"})
        assert len(found) == 1 and members(found[0]) == {"duA:a-1", "duB:b-1"}, found
        customer_id = found[0]["customer_id"]

        result = json.loads(stack.crm("unmerge", customer_id, "duA:a-1").stdout)
        assert result["customer_id"] == customer_id
        new_id = result["new_customer_id"]
        assert new_id != customer_id
        stack.drain()

        after = {c["customer_id"]: c for c in clusters(stack, {"duA", "duB"})}
        assert set(after) == {customer_id, new_id}, after
        assert members(after[customer_id]) == {"duB:b-1"}
        assert after[customer_id]["owner"]["source"] == "duB"
        assert members(after[new_id]) == {"duA:a-1"}
        assert after[new_id]["owner"]["source"] == "duA"
        events = registered.wait_for(1, lambda e: e["customer"]["customer_id"] == new_id)
        assert len(events) == 1 and events[0]["record_id"] == "duA:a-1", events
        # a record that is the only member cannot be split out
        assert stack.crm("unmerge", new_id, "duA:a-1", check=False).returncode != 0
    finally:
        registered.close()


def test_red_list_until_contact_arrives(stack):
    nid = cn_id("19640316", 801)
    stack.publish(record("dlA", "a-1", "南宫问天", "DL01", national_id=nid))
    stack.drain()
    found = clusters(stack, {"dlA"})
    assert len(found) == 1
    customer_id = found[0]["customer_id"]
    listed = {r["customer_id"]: r for r in redlist(stack)}
    assert customer_id in listed, "a customer without phone, e-mail or address is red-listed"
    assert listed[customer_id]["members"] == ["dlA:a-1"]
    assert listed[customer_id]["branch"] == "DL01"

    stack.publish(record("dlB", "b-1", "南宫问天", "DL01", national_id=nid,
                         phones=["156 0008 0001"]))
    stack.drain()
    found = clusters(stack, {"dlA", "dlB"})
    assert len(found) == 1 and found[0]["customer_id"] == customer_id, found
    assert members(found[0]) == {"dlA:a-1", "dlB:b-1"}
    assert customer_id not in {r["customer_id"] for r in redlist(stack)}


def test_review_carries_the_match_score(stack):
    needed = stack.subscribe("dedup.events", "customer.review_needed")
    try:
        stack.publish(_possible_pair("drsA", "drsB", "东方未明", "DR02", "518002",
                                     "15600060005", "15600060006")[0])
        stack.drain()
        stack.publish(_possible_pair("drsA", "drsB", "东方未明", "DR02", "518002",
                                     "15600060005", "15600060006")[1])
        stack.drain()
        review = _review_for(stack, "drsB:b-1")
        events = needed.wait_for(1, lambda e: e["record_id"] == "drsB:b-1")
        assert len(events) == 1, events
        # possible_threshold 0.65 <= score < match_threshold 0.85
        assert 0.65 <= review["score"] < 0.85, review
        assert events[0]["score"] == review["score"], events
    finally:
        needed.close()

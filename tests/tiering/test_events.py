"""tier.changed as a plain AMQP subscriber sees it: one event per real change."""
from __future__ import annotations

import pytest

from .helpers import events_before_marker, moves, person, tier_events

pytestmark = pytest.mark.integration


@pytest.fixture
def events(stack):
    subscriber = stack.subscribe("tiering.events", "tier.changed")
    yield subscriber
    subscriber.close()


def _customer_id(events: list[dict]) -> str:
    ids = {e["customer_id"] for e in events}
    assert len(ids) == 1, ids
    return ids.pop()


def test_new_then_raised_then_repeated(stack, events):
    record = person(101, "TE01", 150000)
    stack.publish(record)
    first = tier_events(events, {"TE01"}, 3)
    customer_id = _customer_id(first)
    assert moves(first) == {(customer_id, "star"): (None, "3", "new"),
                            (customer_id, "service_band"): (None, "branch", "new"),
                            (customer_id, "intent"): (None, "A", "new")}
    assert all(e["rules_version"].startswith("2026-11-01+") for e in first)
    assert record["national_id"] not in str(first)

    raised = {**record, "financials": {**record["financials"], "avg_daily_assets": 350000}}
    stack.publish(raised)
    second = tier_events(events, {"TE01"}, 2)
    assert moves(second) == {(customer_id, "star"): ("3", "4", "up"),
                             (customer_id, "service_band"): ("branch", "financial", "up")}

    stack.publish(raised)
    assert events_before_marker(stack, events, {"TE01"}) == []

    tiers = {(t["customer_id"], t["scheme"]): t["tier"] for t in stack.crm_json("export", "tiers")}
    assert [tiers[(customer_id, s)] for s in ("star", "service_band", "intent")] == \
        ["4", "financial", "A"]


def test_second_source_same_person_merges_without_removed(stack, events):
    stack.publish(person(111, "TM01", 350000, source="core"))
    first = tier_events(events, {"TM01"}, 3)
    survivor = _customer_id(first)
    other = person(111, "TM01", 1200000, source="cards", ext="card-111")
    stack.publish(other)
    merged = events_before_marker(stack, events, {"TM01"})
    assert all(e["direction"] != "removed" for e in merged), merged
    assert {e["customer_id"] for e in merged} <= {survivor}
    clusters = {c["customer_id"]: c for c in stack.crm_json("export", "clusters")}
    assert len(clusters[survivor]["members"]) == 2
    explained = stack.crm_json("explain", survivor, "--json")[0]
    assert set(explained["tiers"]) == {"star", "service_band", "intent"}
    history = {(h["scheme"], h["previous"], h["current"]) for h in explained["history"]}
    now = {s: t["tier"] for s, t in explained["tiers"].items()}
    for event in merged:  # every survivor event is in the history and matches the record
        assert (event["scheme"], event["previous"], event["current"]) in history
        assert now[event["scheme"]] == event["current"]


def test_transitive_merge_removes_absorbed_golden(stack, events):
    """G1 (ID, phone A) and G2 (no ID, phone B, another birth date: not G1) are two
    customers; a record with G1's ID and G2's phone and birth date is both, so dedup
    absorbs one into the other and tiering retires the absorbed one."""
    stack.publish(person(121, "TX01", 350000, source="core", phone="13700000121"))
    first = tier_events(events, {"TX01"}, 3)
    g1 = _customer_id(first)
    stack.publish(person(121, "TX01", 80000, source="branchapp", ext="app-121",
                         with_id=False, phone="13700000122", willingness="low",
                         birth_date="1985-05-05"))
    second = tier_events(events, {"TX01"}, 3)
    g2 = _customer_id(second)
    assert g2 != g1, "dedup merged the ID-less record directly; transitive case not reached"
    assert moves(second)[(g2, "star")] == (None, "3", "new")
    stack.publish(person(121, "TX01", 1200000, source="cards", ext="card-121",
                         phone="13700000122", birth_date="1985-05-05"))
    third_events = events_before_marker(stack, events, {"TX01"})
    third = moves(third_events)
    gone = [e for e in third_events if e["direction"] == "removed"]
    assert len(gone) == 3 and len({e["customer_id"] for e in gone}) == 1, third_events
    absorbed = gone[0]["customer_id"]
    survivor = ({g1, g2} - {absorbed}).pop()
    assert {e["merged_into"] for e in gone} == {survivor}
    removed = {k[1]: v for k, v in third.items() if k[0] == absorbed}
    assert set(removed) == {"star", "service_band", "intent"}
    assert all(v[0] is not None and v[1:] == (None, "removed") for v in removed.values())
    assert all(e["customer_id"] == survivor for e in third_events if e not in gone)
    exported = {(t["customer_id"], t["scheme"]) for t in stack.crm_json("export", "tiers")}
    assert not any(cid == absorbed for cid, _ in exported)
    assert {s for cid, s in exported if cid == survivor} == {"star", "service_band", "intent"}
    explained = stack.crm_json("explain", absorbed, "--json")[0]
    assert explained["merged_into"] == survivor and explained["tiers"] == {}

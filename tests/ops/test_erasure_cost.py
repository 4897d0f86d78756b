"""Issue 15: an erasure costs the same per person whatever the pool size.

A bank's deletion list is thousands of `customer.erased` events against the whole
pool, so each service's erasure must read the person's documents by an index, never
the pool (SecantusDB answers an `$or`, a filter led by a low-cardinality field or an
unindexed one by reading the whole collection). Each case fills a scratch database on
its service's real test server with `count` customers' documents, shaped as the
service stores them, and erases one person as the service's `customer.erased`
entrypoint does (common.erased.ErasureHandler: the parked messages, then the service's
own `seal_person`, called for real with its store, outbox and parked messages),
asserting what was sealed. Each erasure is one transaction (its commit is checked).
No findAndModify may reach the server, and an erasure at
3,000 customers may cost at most 3x one at 100 (tests/ops/hot_path.py).

- tiering: snapshot sealed, tiers retired (history rows, removal events), history and
  stored events sealed;
- assignment: the assignment ended and its seat freed, tombstone, history, backlog row
  and stored events sealed;
- notification: tombstone, reminder clock and follow-up notes, messages about the
  person cancelled or sealed;
- campaigns: the read-model row made a tombstone, call notes sealed;
- groups: the party sealed, its manual links gone, its group regrouped (a pair dissolves);
- reporting: the person's facts re-keyed to an anonymous customer, tombstone.
Ingestion's and dedup's erasures are guarded in test_hot_path_cost.py.
"""
from __future__ import annotations

import functools
import uuid
from datetime import date, timedelta
from importlib import resources
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from pymongo.database import Database

from assignment import erasure as assignment_erasure
from assignment.storage import AssignmentStore
from campaigns import erasure as campaigns_erasure
from campaigns.domain.follow import new_row
from campaigns.storage import CampaignsStore
from common.erased import ErasureHandler
from common.events import Outbox
from common.parked import ParkedMessages
from contracts import names
from contracts.examples import EVENTS
from contracts.schemas import load_event
from groups import erasure as groups_erasure
from groups.dependencies import setup_from
from groups.domain.graph import build_graph
from groups.domain.grouping import components, reconcile
from groups.domain.party import apply_snapshot
from groups.domain.plan import plan_groups
from groups.storage import GroupsStore, link_id
from notification import erasure as notification_erasure
from notification.followup_store import FollowUpStore
from notification.storage import NotificationStore
from reporting.domain import facts
from reporting.service import ReportingService
from reporting.storage import ReportingStore
from tiering import erasure as tiering_erasure
from tiering.domain.evaluate import evaluate
from tiering.domain.paging import bucket_of
from tiering.plugins.schemes import IntentScheme, ServiceBandScheme, StarScheme
from tiering.storage import TieringStore

from .hot_path import Call, Fill, check_cost, now, outbox_about
from .outbox_rows import stored_event

pytestmark = pytest.mark.integration

DISPLAY = {"name": "张*", "phone": "138****8000"}


def erase(seal_person, service: SimpleNamespace, customer_id: str,
          absorbed: tuple[str, ...] = (), records: tuple[str, ...] = ()) -> None:
    """Deliver a `customer.erased` to the service's entrypoint body (common.erased:
    read the event, seal the parked messages, `seal_person`), without its retry wrapper."""
    payload = {**EVENTS[names.CUSTOMER_ERASED], "event_id": str(uuid.uuid4()),
               "customer_id": customer_id, "absorbed_ids": list(absorbed),
               "record_ids": list(records), "erased_at": now().isoformat()}
    service.seal_person = functools.partial(seal_person, service)
    ErasureHandler.on_customer_erased.__wrapped__(service, payload)


def parked_about(db: Database) -> tuple[ParkedMessages, Fill]:
    """The service's parked messages, and a fill parking one message in ten customers'."""
    parked = ParkedMessages(db["parked"])
    parked.ensure_indexes()

    def fill(ids: list[str]) -> None:
        db["parked"].insert_many([{"key": f"on_x|e-{cid}", "entrypoint": "on_x",
                                   "payload": {"event_id": f"e-{cid}", "customer_id": cid},
                                   "about": [cid], "replayed": False} for cid in ids[::10]])
    return parked, fill


def published_to(sink: list[dict]):
    """A dispatch that keeps what the outbox publishes, so a case can check its events."""
    def dispatch(event_type: str, body: dict) -> None:
        sink.append({"type": event_type, **body})
    return dispatch


def tiering_erasure_case(db: Database) -> tuple[Fill, Call]:
    """Snapshots, three tiers, history and a stored `tier.changed` per customer."""
    store = TieringStore(db)
    store.ensure_indexes()
    rules = yaml.safe_load(resources.files("tiering").joinpath("rules.yaml")
                           .read_text("utf-8"))
    schemes = {"star": StarScheme(), "service_band": ServiceBandScheme(),
               "intent": IntentScheme()}
    parked, park = parked_about(db)
    box: list[Outbox] = []
    sent: list[dict] = []

    def fill(count: int) -> None:
        snap = {"branch": "BJ001", "revision": 1, "birth_date": "1980-01-01",
                "display": DISPLAY, "intent": {"willingness": "high", "potential": "high"},
                "financials": {"avg_daily_assets": 350000, "has_relationship": True}}
        records, _ = evaluate({**snap, "customer_id": "c0"}, schemes, rules, {},
                              date.today(), {})
        ids = [f"c{n}" for n in range(count)]
        store.customers.insert_many([{**snap, "_id": cid, "customer_id": cid, "active": True,
                                      "bucket": bucket_of(cid)} for cid in ids])
        store.tiers.insert_many([
            {"_id": f"{cid}:{r.scheme}", "customer_id": cid, "scheme": r.scheme,
             "tier": r.tier, "reason": r.reason, "rules_version": r.rules_version,
             "figures": r.figures, "below_count": r.below_count, "branch": "BJ001",
             "bucket": bucket_of(cid), "updated_at": now()} for cid in ids for r in records])
        store.history.insert_many([{"customer_id": cid, "scheme": r.scheme, "previous": None,
                                    "current": r.tier, "direction": "new", "reason": r.reason,
                                    "at": now()} for cid in ids for r in records])
        box.append(outbox_about(db, names.TIER_CHANGED, [
            {"customer_id": cid, "scheme": "star", "current": "4", "display": DISPLAY}
            for cid in ids], published_to(sent)))
        park(ids)

    def call(n: int) -> None:
        cid = f"c{n}"
        service = SimpleNamespace(store=store, events=box[0], parked=parked)
        erase(tiering_erasure.Erasure.seal_person, service, cid)
        snapshot = store.customers.find_one({"_id": cid})
        assert snapshot["erased"] and not snapshot["active"] and "display" not in snapshot
        assert store.tiers_of([cid]) == []
        history = list(store.history.find({"customer_id": cid}))
        assert len(history) == 6 and all(h["sealed"] for h in history)
        assert {e["scheme"] for e in sent if e["customer_id"] == cid
                and e["direction"] == "removed"} == {"star", "service_band", "intent"}
        assert stored_event(db["outbox"], f"old-{cid}")[0]["display"] == {}
    return fill, call


def assignment_erasure_case(db: Database) -> tuple[Fill, Call]:
    """Maintainers, an assignment, a history row and a stored `customer.assigned` per
    customer, a backlog row per waiting customer (erased as an absorbed id)."""
    store = AssignmentStore(db)
    store.ensure_indexes()
    team = [f"m{k}" for k in range(5)]
    parked, park = parked_about(db)
    box: list[Outbox] = []
    sent: list[dict] = []

    def fill(count: int) -> None:
        fm = "financial_manager"
        store.managers.insert_many(
            [{"_id": mid, "branch": "b1", "role": fm, "active": True, "capacity": 10 ** 6,
              "load": count // len(team)} for mid in team] +
            [{"_id": f"o{n}", "branch": f"b{2 + n % 50}", "role": fm, "active": True,
              "capacity": 10, "load": 0} for n in range(count // 20)])
        store.assignments.insert_many([
            {"_id": f"a{n}", "manager_id": team[n % len(team)], "role": fm, "branch": "b1",
             "tier": "financial", "reason": "pool", "display": DISPLAY, "at": now()}
            for n in range(count)])
        store.history.insert_many([{"customer_id": f"a{n}", "manager_id": team[n % len(team)],
                                    "reason": "pool", "display": DISPLAY, "at": now()}
                                   for n in range(count)])
        store.backlog.insert_many([
            {"_id": f"w{n}", "branch": "b1", "tier": "financial", "roles": [fm],
             "reason": "no maintainer with room", "display": DISPLAY, "since": now(),
             "lease_until": None} for n in range(count)])
        box.append(outbox_about(db, names.CUSTOMER_ASSIGNED, [
            {"customer_id": f"a{n}", "manager_id": team[n % len(team)], "display": DISPLAY}
            for n in range(count)], published_to(sent)))
        park([f"a{n}" for n in range(count)])

    def call(n: int) -> None:
        cid, mid = f"a{n}", team[n % len(team)]
        load = store.get_manager(mid).load
        service = SimpleNamespace(store=store, events=box[0], parked=parked)
        erase(assignment_erasure.Erasure.seal_person, service, cid, absorbed=(f"w{n}",))
        assert store.assignments.find_one({"_id": cid}) is None
        assert store.get_manager(mid).load == load - 1
        assert store.tombstones([cid, f"w{n}"])[cid]["release"]["manager_id"] == mid
        assert store.backlog.find_one({"_id": f"w{n}"}) is None
        assert not any("display" in h for h in store.history.find({"customer_id": cid}))
        assert [(e["previous_manager_id"], e["reason"]) for e in sent
                if e["customer_id"] == cid] == [(mid, "erased")]
        assert stored_event(db["outbox"], f"old-{cid}")[0]["display"] == {}
    return fill, call


def notification_erasure_case(db: Database) -> tuple[Fill, Call]:
    """A maintainer row, a prospect, a follow-up and two messages (one delivered, one
    not yet) per customer."""
    store, followups = NotificationStore(db), FollowUpStore(db)
    store.ensure_indexes()
    followups.ensure_indexes()
    parked, park = parked_about(db)
    later = now() + timedelta(days=30)

    def message(cid: str, status: str) -> dict:
        return {"event_id": f"ev-{cid}-{status}", "recipient": "m1", "channel": "log",
                "subjects": [cid, f"rec:{cid}"], "text": f"{DISPLAY['name']} " * 10,
                "status": status, "attempts": 0, "created_at": now(),
                "next_attempt_at": later if status == "pending" else now()}

    def fill(count: int) -> None:
        ids = [f"c{n}" for n in range(count)]
        store.maintained.insert_many([{"_id": cid, "manager_id": "m1"} for cid in ids])
        store.outbox.insert_many([message(cid, status) for cid in ids
                                  for status in ("sent", "pending")])
        followups.prospects.insert_many([{"_id": cid, "intent_class": "A", "due_at": later,
                                          "display": DISPLAY} for cid in ids])
        followups.followups.insert_many([{"customer_id": cid, "intent_class": "A",
                                          "note": "called 138****8000", "outcome": "open",
                                          "by": "m1", "at": now()} for cid in ids])
        park(ids)

    def call(n: int) -> None:
        cid = f"c{n}"
        service = SimpleNamespace(store=store, followups=followups, parked=parked)
        erase(notification_erasure.Erasure.seal_person, service, cid, records=(f"rec:{cid}",))
        assert store.is_erased(cid)
        assert followups.get(cid)["due_at"] is None and "display" not in followups.get(cid)
        assert [f["note"] for f in followups.followups.find({"customer_id": cid})] == \
            ["[erased]"]
        messages = {m["status"]: m for m in store.outbox.find({"subjects": cid})}
        assert set(messages) == {"sent", "cancelled"}
        assert all(m["text"] == "[erased]" for m in messages.values())
    return fill, call


def campaigns_erasure_case(db: Database) -> tuple[Fill, Call]:
    """A read-model row and two calls (one with a note) per customer."""
    store = CampaignsStore(db)
    store.ensure_indexes()
    parked, park = parked_about(db)

    def fill(count: int) -> None:
        ids = [f"c{n}" for n in range(count)]
        store.customers.insert_many([
            {**new_row(cid), "branch": "BJ01", "revision": 1, "tiers": {"star": "2"},
             "maintainer": "BJ01-007", "consent": {"marketing": True}, "products": ["TD3M"]}
            for cid in ids])
        store.calls.insert_many([
            {"_id": f"call-{cid}-{k}", "campaign_id": "cmp-1", "customer_id": cid,
             "staff_id": "BJ01-007", "branch": "BJ01", "date": "2026-12-01", "at": now(),
             "seconds": 90, "effective": True, "outcome": "interested", "product": None,
             "note": "rang 138****8000" if k else None} for cid in ids for k in range(2)])
        park(ids)

    def call(n: int) -> None:
        cid = f"c{n}"
        service = SimpleNamespace(store=store, parked=parked)
        erase(campaigns_erasure.Erasure.seal_person, service, cid)
        assert store.rows([cid])[cid] == {**new_row(cid), "erased": True}
        calls = list(store.calls.find({"customer_id": cid}))
        assert len(calls) == 2 and all(c["note"] is None for c in calls)
    return fill, call


def groups_erasure_case(db: Database) -> tuple[Fill, Call]:
    """Organisations in pairs (the even one controls the odd one), each pair a group;
    one pair in ten also tied by a manual link. Erasing one of a pair dissolves it."""
    store = GroupsStore(db)
    store.ensure_indexes()
    setup = setup_from({"rules": ["control", "common_controller", "family", "manual"],
                        "limits": {"net_capital": "10000000000"}})
    parked, park = parked_about(db)
    box: list[Outbox] = []
    sent: list[dict] = []

    def party(n: int) -> dict:
        relations = [{"type": "controls", "target_key": f"uscc:g{n + 1}", "share": None,
                      "kinship_degree": None}] if n % 2 == 0 else []
        return apply_snapshot({"customer_id": f"g{n}", "kind": "organization",
                               "branch": "BJ01", "display": {"name": "某*公司"},
                               "relations": relations, "party_keys": [f"uscc:g{n}"],
                               "credit": {"as_of": "2026-09-30", "outstanding": "1000000"},
                               "revision": 1}, None)

    def fill(count: int) -> None:
        parties = [party(n) for n in range(count)]
        links = [{"_id": link_id(f"g{n}", f"g{n + 1}"), "a": f"g{n}", "b": f"g{n + 1}",
                  "reason": "profits moved", "by": "officer", "at": now()}
                 for n in range(0, count, 20)]
        graph = build_graph(parties, links)
        outcomes, _ = reconcile([], components(graph, setup.rules, setup.params))
        plan = plan_groups(outcomes, [], [], {p["_id"]: p for p in parties}, setup.limits,
                           date.today())
        store.save_parties(parties, known=())
        store.links.insert_many(links)
        store.save_groups(plan.rows, [])
        box.append(outbox_about(db, names.GROUP_CHANGED, [], published_to(sent)))
        park([p["_id"] for p in parties])

    def call(n: int) -> None:
        cid, pair = f"g{n}", {f"g{n - n % 2}", f"g{n - n % 2 + 1}"}
        group = store.group_of(cid)
        service = SimpleNamespace(store=store, events=box[0], grouping=setup, parked=parked)
        erase(groups_erasure.Erasure.seal_person, service, cid)
        assert store.group_of(cid) is None
        assert store.parties_by_id([cid])[cid]["erased"]
        assert store.links.find_one({"a": cid}) is None
        if n % 2 == 0:  # the first of its pair: the pair's group dissolved
            assert set(group["members"]) == pair
            assert [e["change"] for e in sent if e["group_id"] == group["_id"]] == ["dissolved"]
        else:
            assert group is None
    return fill, call


def reporting_erasure_case(db: Database) -> tuple[Fill, Call]:
    """A snapshot, a tier and an assignment fact per customer, a merge fact in ten."""
    store = ReportingStore(db)
    store.ensure_indexes()
    parked, park = parked_about(db)

    def event(event_type: str, cid: str, **fields: Any) -> dict:
        example = EVENTS[event_type]
        body = {**example, "event_id": f"{event_type}-{cid}", **fields}
        if "customer" in example:
            body["customer"] = {**example["customer"], "customer_id": cid}
        else:
            body["customer_id"] = cid
        return load_event(event_type, body)

    def fill(count: int) -> None:
        ids = [f"c{n}" for n in range(count)]
        found = [f for cid in ids for f in (facts.snapshot(event(names.CUSTOMER_REGISTERED, cid)),
                                            facts.tier(event(names.TIER_CHANGED, cid)),
                                            facts.assignment(event(names.CUSTOMER_ASSIGNED, cid)))]
        found += [facts.merge(event(names.CUSTOMER_MERGED, cid, survivor_id=cid,
                                    absorbed_ids=[f"gone-{cid}"])) for cid in ids[::10]]
        store.add(found, now())
        park(ids)

    def call(n: int) -> None:
        cid = f"c{n}"
        service = SimpleNamespace(store=store, parked=parked)
        erase(ReportingService.seal_person, service, cid, absorbed=(f"gone-{cid}",))
        assert store.facts_of([cid, f"gone-{cid}"]) == []
        assert store.erased_among([cid, f"gone-{cid}"]) == {cid, f"gone-{cid}"}
        assert store.links.find_one({"_id": f"gone-{cid}"}) is None
    return fill, call


CASES = {"tiering": ("tiering", tiering_erasure_case),
         "assignment": ("assignment", assignment_erasure_case),
         "notification": ("notification", notification_erasure_case),
         "campaigns": ("campaigns", campaigns_erasure_case),
         "groups": ("groups", groups_erasure_case),
         "reporting": ("reporting", reporting_erasure_case)}


@pytest.mark.parametrize("case", sorted(CASES))
def test_an_erasure_costs_the_same_at_any_pool_size(stack, case):
    service, build = CASES[case]
    check_cost(stack.mongo_uri(service), f"erasure_{case}", build, True)  # each one transaction

"""Issue 15: the pipeline's hot paths cost the same at any pool size.

SecantusDB executes findAndModify (pymongo's `find_one_and_*`), a `$expr` filter or an
unindexed one by reading the whole collection, so one of them on a path whose
collection grows with every customer slows the pipeline to a crawl. Each case builds
a scratch database on its service's real test server, fills it with a few thousand
documents shaped like the pool's, and runs what the service runs per batch: a batch's
reads and its commit, inside one transaction (`common.mongo.in_transaction`) as the
handlers do. No findAndModify may reach the server, and a batch at ~3,000 documents
may cost at most 3x a batch at ~100.

- ingestion: `bulk_store.record_states` + `write_batch` (new, changed, unchanged records),
  an import chunk's `import_book.resolve_rejects` among open rejects, and an erasure's
  seal (`erasure.seal_erased`), which a deletion list runs thousands of times;
- assignment: `handlers.assign_batch` (`batch_store.read_unit` + `commit_unit` + outbox);
- tiering: `handlers.retier_batch` (`snapshot_states`, `recorded_many`, `plan_batch`,
  `commit_plan` + outbox), with a merge in every batch;
- dedup: `handlers.place_batch` (placement's reads, `batch_store.commit` + outbox), and
  an erasure (`erasure.erase_person`), whose clean-up reads reviews and merge rows;
- notification (outbox lease, maintainers, follow-ups) and parked messages: the
  single-message paths those still run.
"""
from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from importlib import resources
from types import SimpleNamespace

import pytest
import yaml
from pymongo.database import Database

from assignment import handlers as assignment_handlers
from assignment.dependencies import AssignmentPolicy
from assignment.domain.roles import BAND_ROLES
from assignment.plugins.strategies import LeastLoaded
from assignment.storage import AssignmentStore
from common.events import Outbox
from common.mongo import in_transaction
from common.reliability import ParkedMessages
from dedup import handlers as dedup_handlers
from dedup.dependencies import MatchingSetup
from dedup.domain.clusters import build_golden
from dedup.erasure import PARKED_INDEXES as DEDUP_PARKED
from dedup.erasure import erase_person
from dedup.domain.scoring import merged_params
from dedup.domain.snapshot import golden_keys
from dedup.placement import claimable, new_customer_id
from dedup.plugins.matchers import default_matchers
from dedup.storage import DedupStore
from ingestion.bulk_store import record_states, write_batch
from ingestion.domain.bulk import plan_records
from ingestion.domain.intake import Accepted
from ingestion.erasure import PARKED_INDEXES as INGESTION_PARKED
from ingestion.erasure import seal_erased
from ingestion.import_book import resolve_rejects
from ingestion.storage import IngestionStore
from notification.followup_store import FollowUpStore
from notification.storage import NotificationStore
from tiering import handlers as tiering_handlers
from tiering.domain.batch import Arrival
from tiering.domain.evaluate import evaluate
from tiering.domain.paging import bucket_of
from tiering.plugins.schemes import IntentScheme, ServiceBandScheme, StarScheme
from tiering.storage import TieringStore

from .hot_path import SMALL, Call, Fill, check_cost, outbox_over
from .hot_path import now as _now

pytestmark = pytest.mark.integration


def ingestion_records(db: Database) -> tuple[Fill, Call]:
    """A batch of 20 records as ingestion.handlers.ingest_batch commits it: 8 new, 6
    changed, 6 unchanged, one `$in` read and the writes in one transaction."""
    store = IngestionStore(db)
    store.ensure_indexes()
    stored: dict[str, tuple[str, int]] = {}  # external_id -> (content_hash, version)

    def fill(count: int) -> None:
        store.records.insert_many([
            {"source": "bulk", "external_id": f"x{n}", "record_id": f"bulk:x{n}",
             "content_hash": "h0", "pii": "token" * 20, "version": 1, "history": []}
            for n in range(count)])
        stored.update({f"x{n}": ("h0", 1) for n in range(count)})

    def accepted(external_id: str, content_hash: str) -> Accepted:
        return Accepted(f"bulk:{external_id}", {"source": "bulk", "external_id": external_id,
                                                "content_hash": content_hash,
                                                "pii": "token" * 20}, {})

    def call(n: int) -> None:
        size = len(stored)
        old = [f"x{(n * 12 + i) % size}" for i in range(12)]
        changed, same = old[:6], old[6:]
        new = [f"new{n}-{i}-{time.monotonic_ns()}" for i in range(8)]
        items = [accepted(e, f"h{n}-{e}") for e in new + changed] + \
            [accepted(e, stored[e][0]) for e in same]
        keys = {("bulk", item.stored["external_id"]) for item in items}

        def work(session):
            plan = plan_records(items, record_states(store.records, keys, session))
            write_batch(store, plan.writes, [], session)
            return plan

        plan = in_transaction(db, work)
        assert [(d.status, d.version) for d in plan.decisions] == \
            [("created", 1)] * 8 + [("updated", stored[e][1] + 1) for e in changed] + \
            [("unchanged", stored[e][1]) for e in same]
        stored.update({e: (f"h{n}-{e}", stored[e][1] + 1) for e in changed})
        after = record_states(store.records, keys)
        assert {k[1]: (r["content_hash"], r["version"]) for k, r in after.items()} == \
            {**{e: (f"h{n}-{e}", 1) for e in new}, **{e: stored[e] for e in old}}
    return fill, call


def ingestion_import_rejects(db: Database) -> tuple[Fill, Call]:
    """An import chunk's bookkeeping (`import_book.resolve_rejects`, in the chunk's
    transaction): the open rejects its accepted keys answer are closed. Every import
    leaves open rejects behind, so their number only grows; with `status` in the
    filter the embedded database read them all (a CI run's fuzz import timed out).
    The list owner's view of one batch's open rejects (`crm rejects list --batch`)
    likewise read every open reject until an index led with the batch."""
    store = IngestionStore(db)
    store.ensure_indexes()

    def fill(count: int) -> None:
        store.rejects.insert_many([
            {"source": "list", "external_id": f"r{n}", "status": "open", "row": n,
             "channel": "import", "reason": "missing_key", "errors": ["x"], "excerpt": "",
             "batch_id": "old" if n >= 5 else "mine", "received_at": _now()}
            for n in range(count)])

    def call(n: int) -> None:
        keys = {"list": {f"r{n + 5}", *(f"absent-{n}-{i}" for i in range(15))}}
        closed = in_transaction(db, lambda session: resolve_rejects(
            store.rejects, keys, f"b{n}", session))
        assert closed == 1
        assert len(store.list_rejects("open", 1000, "mine")) == 5
    return fill, call


def ingestion_erasure_seal(db: Database) -> tuple[Fill, Call]:
    """An erasure's seal in ingestion (`erasure.seal_erased`): the person's records
    found by their ids, their rejects, outbox rows and parked bodies sealed. Not a
    pipeline path, but a bank's deletion list is thousands of erasures: an `$or` of
    (source, external_id) pairs read every record on the embedded database."""
    store = IngestionStore(db)
    store.ensure_indexes()
    outbox = outbox_over(db, 1)
    parked = ParkedMessages(db["parked"])
    parked.ensure_indexes(INGESTION_PARKED)

    def fill(count: int) -> None:
        store.records.insert_many([
            {"source": "bulk", "external_id": f"x{n}", "record_id": f"bulk:x{n}",
             "content_hash": "h0", "pii": "token" * 20, "version": 1, "history": []}
            for n in range(count)])
        db["parked"].insert_many([  # a bad intake body per record, kept for repair
            {"key": f"on_intake|b{n}", "entrypoint": "on_intake", "about": [],
             "payload": {"source": "bulk", "external_id": f"x{n}", "name": "张三"},
             "replayed": False} for n in range(count)])
        store.rejects.insert_many([
            {"source": "bulk", "external_id": f"x{n}", "status": "open", "channel": "amqp",
             "reason": "invalid_field", "errors": ["x"], "excerpt": "", "raw": None,
             "received_at": _now()} for n in range(0, count, 10)])

    def call(n: int) -> None:
        service = SimpleNamespace(store=store, events=outbox, parked=parked)
        counts = seal_erased(service, {"customer_id": f"c{n}", "record_ids": [f"bulk:x{n}"],
                                       "erased_at": _now().isoformat()})
        assert counts == {"records": 1, "rejects": int(n % 10 == 0)}
        body = db["parked"].find_one({"key": f"on_intake|b{n}"})["payload"]
        assert body["erased"] is True and "name" not in body
    return fill, call


def notification_outbox(db: Database) -> tuple[Fill, Call]:
    store = NotificationStore(db)
    store.ensure_indexes()

    def row(n: int, status: str, due: datetime) -> dict:
        return {"event_id": f"ev{n}-{time.monotonic_ns()}", "recipient": "m1",
                "channel": "log", "subjects": [f"c{n}"], "text": "hello " * 20,
                "status": status, "attempts": 0, "created_at": due, "next_attempt_at": due}

    def fill(count: int) -> None:
        store.outbox.insert_many([row(n, "sent", _now()) for n in range(count)])
        store.maintained.insert_many([{"_id": f"c{n}", "manager_id": "m1",
                                       **({"erased": True} if n % 10 == 0 else {})}
                                      for n in range(count)])

    def call(n: int) -> None:
        store.outbox.insert_one(row(n, "pending", _now() - timedelta(seconds=1)))
        assert len(store.lease_due()) == 1
        assert store.lease_due() == []
        assert store.set_maintainer(f"c{(n // 10) * 10 + 1}", "m2") is False
        assert store.set_maintainer(f"c{(n // 10) * 10}", "m2") is True
        assert store.set_maintainer(f"new-{n}-{time.monotonic_ns()}", "m2") is False
    return fill, call


def notification_followups(db: Database) -> tuple[Fill, Call]:
    store = FollowUpStore(db)
    store.ensure_indexes()
    later = _now() + timedelta(days=30)

    def fill(count: int) -> None:  # most prospects have no reminder running (null)
        store.prospects.insert_many([{"_id": f"p{n}", "intent_class": "A",
                                      "due_at": later if n % 4 == 0 else None,
                                      "display": {"name": "张*"}} for n in range(count)])

    def call(n: int) -> None:
        cid = f"due-{n}-{time.monotonic_ns()}"
        due = _now() - timedelta(seconds=1)
        store.set_intent(cid, "B", due, "m1", {"name": "李*"})
        assert store.due_ids(_now(), 500) == [cid]
        store.set_intent(cid, "B", _now() + timedelta(days=1), "m1", {"name": "李*"})
        assert store.due_ids(_now(), 500) == []
    return fill, call


def assignment_rows(db: Database) -> tuple[Fill, Call]:
    """A batch of `tier.changed` as assignment.handlers.assign_batch runs it (read_unit,
    the domain, commit_unit and the outbox in one transaction): six new customers
    seated, one waiting in the backlog seated, one erased left out, one upgrade kept."""
    store = AssignmentStore(db)
    store.ensure_indexes()
    policy = AssignmentPolicy("service_band", BAND_ROLES, {"least_loaded": LeastLoaded()},
                              {"*": "least_loaded"}, 800)
    team = [f"m{k}" for k in range(5)]
    fm = "financial_manager"
    box: list[Outbox] = []

    def fill(count: int) -> None:
        store.managers.insert_many(
            [{"_id": mid, "branch": "b1", "role": fm, "active": True, "capacity": 10 ** 6,
              "load": count // len(team)} for mid in team] +
            [{"_id": f"o{n}", "branch": f"b{2 + n % 50}", "role": fm, "active": True,
              "capacity": 800, "load": 0} for n in range(count // 10)])
        store.assignments.insert_many([
            {"_id": f"a{n}", "manager_id": team[n % len(team)], "role": fm, "branch": "b1",
             "tier": "financial", "reason": "pool", "display": {"name": "张*"}, "at": _now()}
            for n in range(count)])
        store.history.insert_many([{"customer_id": f"a{n}", "manager_id": team[n % len(team)],
                                    "reason": "pool", "at": _now()} for n in range(count)])
        store.backlog.insert_many([
            {"_id": f"w{n}", "branch": "b1", "tier": "financial", "roles": [fm],
             "reason": "no maintainer with room", "since": _now(), "lease_until": None}
            for n in range(count)])
        store.erased.insert_many([{"_id": f"gone{n}", "erased_at": _now()}
                                  for n in range(count)])
        box.append(outbox_over(db, count))

    def event(n: int, cid: str, direction: str = "new", current: str = "financial") -> dict:
        return {"event_id": f"E{n}-{cid}-{time.monotonic_ns()}", "customer_id": cid,
                "scheme": "service_band", "previous": None, "current": current,
                "direction": direction, "branch": "b1", "registered_by": None,
                "display": {"name": "李*"}, "reason": "x", "rules_version": "v1"}

    def call(n: int) -> None:
        new = [f"n{n}-{i}-{time.monotonic_ns()}" for i in range(6)]
        events = [event(n, cid) for cid in new] + \
            [event(n, f"w{n}"), event(n, f"gone{n}"), event(n, f"a{n}", "up", "private")]
        unit = assignment_handlers.assign_batch(store, box[0], policy, events)
        seated = {cid: row["manager_id"] for cid, row in unit.assignments.items() if row}
        assert set(new + [f"w{n}", f"a{n}"]) == set(seated) and set(seated.values()) <= set(team)
        assert unit.backlog[f"w{n}"] is None and f"gone{n}" not in unit.assignments
        assert sum(m["load"] - unit.before_managers[mid]["load"]
                   for mid, m in unit.managers.items()) == 7
        rows = {r["_id"]: r for r in store.assignments.find({"_id": {"$in": list(seated)}})}
        assert {cid: r["manager_id"] for cid, r in rows.items()} == seated
        assert rows[f"a{n}"]["tier"] == "private"
        assert store.backlog.find_one({"_id": f"w{n}"}) is None
        assert len(unit.announcements) == 7
    return fill, call


def tiering_snapshots(db: Database) -> tuple[Fill, Call]:
    """A batch of snapshots as tiering.handlers.retier_batch runs it (snapshot_states,
    recorded_many, plan_batch, commit_plan and the outbox in one transaction): four new
    customers, four updated (one of them absorbing a customer with tiers), one older
    revision ignored."""
    store = TieringStore(db)
    store.ensure_indexes()
    rules = yaml.safe_load(resources.files("tiering").joinpath("rules.yaml")
                           .read_text("utf-8"))
    ruleset = SimpleNamespace(schemes={"star": StarScheme(), "service_band": ServiceBandScheme(),
                                       "intent": IntentScheme()}, rules=rules, grace={})
    today = date.today()
    box: list[Outbox] = []
    absorbable: list[str] = []  # a customer with tiers, for the next batch's merge

    def snap(cid: str, assets: float, revision: int) -> dict:
        return {"customer_id": cid, "branch": "BJ001", "revision": revision,
                "birth_date": "1980-01-01", "display": {"name": "张*"},
                "intent": {"willingness": "high", "potential": "high"},
                "financials": {"avg_daily_assets": assets, "has_relationship": True}}

    def fill(count: int) -> None:
        records, _ = evaluate(snap("c0", 350000, 1), ruleset.schemes, rules, {}, today, {})
        store.customers.insert_many([{**snap(f"c{n}", 350000, 1), "_id": f"c{n}",
                                      "active": True, "bucket": bucket_of(f"c{n}")}
                                     for n in range(count)])
        store.tiers.insert_many([
            {"_id": f"c{n}:{r.scheme}", "customer_id": f"c{n}", "scheme": r.scheme,
             "tier": r.tier, "reason": r.reason, "rules_version": r.rules_version,
             "figures": r.figures, "below_count": r.below_count, "branch": "BJ001",
             "bucket": bucket_of(f"c{n}"), "updated_at": _now()}
            for n in range(count) for r in records])
        store.history.insert_many([{"customer_id": f"c{n}", "scheme": "star", "previous": None,
                                    "current": "4", "direction": "new", "at": _now()}
                                   for n in range(count)])
        box.append(outbox_over(db, count))
        absorbable.append(f"c{count - 1}")

    def call(n: int) -> None:
        pooled = [f"c{(n * 5 + i) % (SMALL - 1)}" for i in range(5)]
        new = [f"t{n}-{i}-{time.monotonic_ns()}" for i in range(4)]
        absorbed = absorbable.pop()
        had = store.recorded_many([absorbed])[absorbed]
        revision = time.monotonic_ns()
        arrivals = [Arrival(snap(cid, 350000, 1), f"reg-{cid}") for cid in new] + \
            [Arrival(snap(pooled[0], 1200000, revision), f"merge-{n}-{revision}",
                     absorbed_ids=(absorbed,))] + \
            [Arrival(snap(cid, 1200000 + n, revision), f"upd-{cid}-{revision}")
             for cid in pooled[1:4]] + \
            [Arrival(snap(pooled[4], 5, 0), f"old-{n}-{revision}")]  # older than stored
        plan = tiering_handlers.retier_batch(store, box[0], ruleset, arrivals, today)
        assert set(plan.snapshots) == set(new + pooled[:4]) and plan.merged == {
            absorbed: pooled[0]}
        assert sorted(r.had["scheme"] for r in plan.removals) == sorted(had) and had
        stored = store.recorded_many(new + [absorbed])
        assert absorbed not in stored and all(set(stored[c]) == set(had) for c in new)
        assert store.customers.find_one({"_id": absorbed}, {"active": 1, "merged_into": 1}) == \
            {"_id": absorbed, "active": False, "merged_into": pooled[0]}
        states = store.snapshot_states([pooled[0], pooled[4]])
        assert states[pooled[0]]["revision"] == revision  # the newer snapshot kept,
        assert states[pooled[4]]["revision"] >= 1  # the older one (revision 0) ignored
        absorbable.append(new[0])
    return fill, call


SURNAMES, GIVEN = "王李张刘陈杨黄赵吴周", "伟芳娜敏静丽强磊军洋"


def person(record_id: str, n: int, registered_at: str, **extra) -> dict:
    """A `customer.ingested` as dedup receives it; name, birth date and postcode vary
    with n, so blocking keys stay specific as in a real pool."""
    born = date(1950, 1, 1) + timedelta(days=n * 5)
    return {"record_id": record_id, "event_id": f"ev-{record_id}", "correlation_id": None,
            "source": record_id.split(":")[0], "external_id": record_id.split(":")[1],
            "kind": "person", "name": SURNAMES[n % 10] + GIVEN[n // 10 % 10] + GIVEN[n % 7],
            "birth_date": born.isoformat(), "gender": None, "national_id_bi": f"nid{n}",
            "verified_national_id_bi": None, "phone_bis": [f"ph{n}"], "email_bis": [],
            "address_bi": None, "postcode": f"{100000 + n:06d}", "city": None,
            "district": None, "province": None, "branch": "BR1", "registered_by": "u1",
            "registered_at": registered_at, "financials": {}, "intent": {},
            "has_contact": True, "display": {}, "quality": [], **extra}


def fill_goldens(store: DedupStore, matching: MatchingSetup, count: int) -> list[str]:
    """`count` golden customers of one record each, with their key claims -> their ids."""
    goldens = [build_golden(new_customer_id(f"bulk:{n}"),
                            [person(f"bulk:{n}", n, "2020-01-01T00:00:00")],
                            matching.params) for n in range(count)]
    store.customers.insert_many([{**g, "_id": g["customer_id"], "keys": golden_keys(g),
                                  "revision": 1, "active": True, "updated_at": _now()}
                                 for g in goldens])
    store.claims.insert_many([{"_id": key, "customer_id": g["customer_id"], "at": _now()}
                              for g in goldens for key in claimable(golden_keys(g))])
    return [g["customer_id"] for g in goldens]


def dedup_customers(db: Database) -> tuple[Fill, Call]:
    """A batch of `customer.ingested` as dedup.handlers.place_batch runs it (placement's
    reads, batch_store.commit and the outbox in one transaction): four new people, one
    record of a pooled person (a match), one new version of a pooled record."""
    store = DedupStore(db)
    store.ensure_indexes()
    matching = MatchingSetup(default_matchers(), merged_params({}), 200, 40)
    box: list[Outbox] = []

    def fill(count: int) -> None:
        fill_goldens(store, matching, count)
        box.append(outbox_over(db, count))

    def call(n: int) -> None:
        stamp = time.monotonic_ns()
        new = [person(f"hot:{n}-{i}-{stamp}", 4000 + n * 5 + i, "2024-01-01T00:00:00",
                      national_id_bi=f"hot-nid{n}-{i}-{stamp}", phone_bis=[])
               for i in range(4)]
        match = person(f"web:{n}-{stamp}", n, "2024-01-02T00:00:00", phone_bis=[])
        k = (n + 40) % SMALL
        update = person(f"bulk:{k}", k, "2020-01-01T00:00:00", email_bis=[f"em{stamp}"],
                        event_id=f"ev-bulk:{k}-{stamp}")
        before = store.customers.find_one({"_id": new_customer_id(f"bulk:{k}")},
                                          {"revision": 1})["revision"]
        decisions = dedup_handlers.place_batch(store, box[0], matching, new + [match, update])
        assert sorted(decisions) == ["match"] + ["no_match"] * 4
        ids = [new_customer_id(r["record_id"]) for r in new] + \
            [new_customer_id(f"bulk:{n}"), new_customer_id(f"bulk:{k}")]
        rows = {r["_id"]: r for r in store.customers.find({"_id": {"$in": ids}})}
        assert len(rows) == 6 and all(r["active"] for r in rows.values())
        assert match["record_id"] in rows[new_customer_id(f"bulk:{n}")]["members"]
        assert rows[new_customer_id(f"bulk:{k}")]["revision"] == before + 1
        assert store.claims.find_one({"_id": f"nid:{new[0]['national_id_bi']}"})[
            "customer_id"] == new_customer_id(new[0]["record_id"])
    return fill, call


def dedup_erasure(db: Database) -> tuple[Fill, Call]:
    """An erasure in dedup (`erasure.erase_person`, one transaction): the golden sealed,
    its claims, reviews, merge evidence, outbox rows and parked messages cleaned up.
    Reviews and merge rows grow with the pool; an `$or` over them, or a filter led by
    `status`, read them all."""
    store = DedupStore(db)
    store.ensure_indexes()
    matching = MatchingSetup(default_matchers(), merged_params({}), 200, 40)
    parked = ParkedMessages(db["parked"])
    parked.ensure_indexes(DEDUP_PARKED)
    box: list[Outbox] = []

    def fill(count: int) -> None:
        ids = fill_goldens(store, matching, count)
        db["parked"].insert_many([  # a customer.ingested per record that dedup parked
            {"key": f"on_ingested|e{n}", "entrypoint": "on_ingested", "about": [],
             "payload": {"event_id": f"e{n}", "record_id": f"bulk:{n}", "name": "张三"},
             "replayed": False} for n in range(count)])
        store.merges.insert_many([
            {"_id": f"m{n}", "kind": "automatic", "customer_id": ids[n],
             "record_id": f"web:{n}", "matched_id": ids[n], "absorbed_ids": [f"gone{n}"],
             "evidence": {"name": "x"}, "decision": {}} for n in range(count)])
        store.reviews.insert_many([
            {"_id": f"rv{n}", "status": "open", "record_id": f"branch:{n}",
             "customer_id": f"other{n}", "candidate_id": ids[n], "evidence": {"name": "x"},
             "decision": {}, "at": _now()} for n in range(count)])
        box.append(outbox_over(db, count))

    def call(n: int) -> None:
        service = SimpleNamespace(store=store, events=box[0], parked=parked)
        erased = erase_person(service, new_customer_id(f"bulk:{n}"), None, "steward")
        assert erased["record_ids"] == [f"bulk:{n}"]
        assert store.merges.count_documents({"_id": f"m{n}"}) == 0
        assert store.reviews.find_one({"_id": f"rv{n}"})["status"] == "erased"
        body = db["parked"].find_one({"key": f"on_ingested|e{n}"})["payload"]
        assert body["erased"] is True and "name" not in body
    return fill, call


def parked_messages(db: Database) -> tuple[Fill, Call]:
    parked = ParkedMessages(db["parked"])
    parked.ensure_indexes()

    def fill(count: int) -> None:
        db["parked"].insert_many([{"key": f"on_x|e{n}", "entrypoint": "on_x",
                                   "payload": {"event_id": f"e{n}", "customer_id": f"c{n}"},
                                   "about": [f"c{n}"], "replayed": False}
                                  for n in range(count)])

    def call(n: int) -> None:
        payload = {"event_id": f"hot-{n}-{time.monotonic_ns()}", "customer_id": f"hot{n}"}
        first = parked.park("on_x", payload, "bug")
        assert parked.park("on_x", payload, "bug again") == first
        assert parked.seal_about([f"hot{n}"]) == 1  # an erasure, in every service
    return fill, call


CASES = {"ingestion": ("ingestion", ingestion_records),
         "import_rejects": ("ingestion", ingestion_import_rejects),
         "erasure_seal": ("ingestion", ingestion_erasure_seal),
         "tiering": ("tiering", tiering_snapshots),
         "dedup": ("dedup", dedup_customers),
         "dedup_erasure": ("dedup", dedup_erasure),
         "notification": ("notification", notification_outbox),
         "followups": ("notification", notification_followups),
         "assignment": ("assignment", assignment_rows),
         "parked": ("tiering", parked_messages)}
IN_TRANSACTION = {"ingestion", "import_rejects", "erasure_seal", "tiering", "dedup",
                  "dedup_erasure", "assignment"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hot_path_cost_does_not_grow_with_the_collection(stack, case):
    service, build = CASES[case]
    check_cost(stack.mongo_uri(service), f"hotpath_{case}", build, case in IN_TRANSACTION)

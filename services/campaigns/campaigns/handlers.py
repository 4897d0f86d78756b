"""Campaigns' use cases: follow the pool, build call lists, record and sign calls.

Each write is one unit of work (one MongoDB transaction) with its outbox rows; the
events are published after the commit. Decisions are made in domain/ (pure).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable

from common.events import Outbox
from common.mongo import in_transaction
from contracts import names

from . import metrics
from .domain import allocate, calls, follow, plan, segment
from .domain.payloads import call_payload, campaign_payload, day_payload
from .pool_rows import parts_for
from .storage import CampaignsStore


@dataclass(frozen=True)
class Settings:
    """The service's configuration as the use cases need it."""
    quota: calls.Quota = calls.Quota()
    holidays: tuple[date, ...] = ()
    audit_seed: str = "audit"
    extra: dict = field(default_factory=dict)


def follow_batch(store: CampaignsStore, facts: list[follow.Fact]) -> int:
    """Fold a batch of events into the read model, in one transaction -> rows written."""
    ids = follow.customers_named(facts)

    def work(session) -> int:
        stored = store.rows(list(ids), session, parts_for(f.type for f in facts))
        changed = follow.fold(facts, stored)
        store.save_rows(changed, session, known=stored)
        return len(changed)
    return in_transaction(store.db, work)


def create(store: CampaignsStore, outbox: Outbox, wanted: segment.Criteria, name: str,
           owner: str, starts: date, ends: date, staff: list[str], today: date,
           now: datetime, campaign_id: str | None = None) -> dict:
    """Build the call list from the segment as it is now and record the campaign under
    `campaign_id` (the request's: a request run again finds the campaign it created)."""
    plan.check_plan(name, owner, starts, ends)
    chosen = segment.select(store.branch_rows(wanted.branch), wanted, today)
    lists = allocate.allocate([r["_id"] for r in chosen], staff or [owner],
                              {r["_id"]: r.get("maintainer") for r in chosen})
    doc = {"_id": campaign_id or f"cmp-{uuid.uuid4().hex[:12]}", "name": name.strip(),
           "branch": wanted.branch, "owner": owner.strip(), "from": starts.isoformat(),
           "to": ends.isoformat(), "criteria": wanted.describe(), "staff": list(lists),
           "lists": lists, "status": "open", "feedback": None, "created_at": now}

    def work(session) -> dict:
        outbox.discard()
        created = store.campaign(doc["_id"], session)
        if created is not None:
            return created
        outbox.stage(names.CAMPAIGN_CREATED, campaign_payload(doc), cause_id=doc["_id"],
                     key="created")
        outbox.persist_in(session)
        store.insert_campaign(doc, session)
        return doc
    done = in_transaction(store.db, work)
    outbox.publish_staged()
    return done


def close(store: CampaignsStore, campaign_id: str, feedback: str, now: datetime) -> dict:
    doc = found(store, campaign_id)
    if not (feedback or "").strip():
        raise ValueError("closing a campaign needs its execution feedback (--feedback)")
    if doc["status"] == "closed":
        raise ValueError(f"campaign {campaign_id} is closed already")
    fields = {"status": "closed", "feedback": feedback.strip(), "closed_at": now}
    store.close_campaign(campaign_id, fields)
    return {**doc, **fields}


def log_call(store: CampaignsStore, outbox: Outbox, settings: Settings, campaign_id: str,
             customer_id: str, by: str, seconds: int, outcome: str, product: str | None,
             note: str | None, today: date, now: datetime, call_id: str | None = None) -> dict:
    """Record one call on today's sheet of the campaign's branch under `call_id` (the
    request's: a request run again finds its call and counts nothing twice); refused
    when the campaign is closed or not running today, the customer is not on its list,
    the caller is not on its staff, or the day is signed off."""
    calls.check_call(seconds, outcome)
    doc = found(store, campaign_id)
    _check_caller(doc, customer_id, by, today)
    call = {"_id": call_id or f"call-{uuid.uuid4().hex[:16]}", "campaign_id": campaign_id,
            "customer_id": customer_id, "staff_id": by, "branch": doc["branch"],
            "date": today.isoformat(), "at": now, "seconds": seconds,
            "effective": calls.effective(seconds), "outcome": outcome,
            "product": product or None, "note": note or None}

    def work(session) -> tuple[dict, bool]:
        logged = store.call(call["_id"], session)
        if logged is not None:
            return logged, False
        sheet = store.sheet(doc["branch"], today, session) or {}
        if sheet.get("closed"):
            raise ValueError(f"{doc['branch']} {today}: the day is signed off; no call "
                             "can be added to it")
        outbox.discard()
        outbox.stage(names.CALL_LOGGED, call_payload(call), cause_id=call["_id"],
                     key="logged")
        outbox.persist_in(session)
        store.count_call(doc["branch"], today, call["effective"], session)
        store.insert_call(call, session)
        return call, True
    done, fresh = in_transaction(store.db, work)
    outbox.publish_staged()
    if fresh:  # a repeated request's call was counted by the run that logged it
        metrics.record_call(done)
    return done


def _check_caller(doc: dict, customer_id: str, by: str, today: date) -> None:
    if doc["status"] != "open":
        raise ValueError(f"campaign {doc['_id']} is closed")
    if not doc["from"] <= today.isoformat() <= doc["to"]:
        raise ValueError(f"campaign {doc['_id']} runs from {doc['from']} to {doc['to']}, "
                         f"not on {today}")
    if plan.where_on_list(doc["lists"], customer_id) is None:
        raise ValueError(f"customer {customer_id} is not on campaign {doc['_id']}")
    if by not in doc["staff"] and by != doc["owner"]:
        raise ValueError(f"{by} is not on campaign {doc['_id']}'s staff")


def sign_off(store: CampaignsStore, outbox: Outbox, settings: Settings, branch: str,
             day: date, by: str, role: str, now: datetime) -> dict:
    """One signature on the day's sheet; with both, the day closes and
    `day.signed_off` is announced (once: its id derives from the branch and day)."""
    calls.check_role(role)
    if not (by or "").strip():
        raise ValueError("a signature needs the signer's id (--by)")

    def work(session) -> dict:
        outbox.discard()
        sheet = store.sheet(branch, day, session) or {"calls": 0, "effective": 0,
                                                      "signatures": {}}
        if sheet.get("closed"):
            raise ValueError(f"{branch} {day}: the day is signed off already")
        signatures = {**sheet.get("signatures", {}),
                      role: {"by": by.strip(), "at": now.isoformat()}}
        closed = calls.signatures_close(signatures)
        if closed:
            quota = settings.quota.of(branch, day, settings.holidays)
            outbox.stage(names.DAY_SIGNED_OFF, day_payload(branch, day, sheet, signatures,
                                                           quota),
                         cause_id=f"{branch}|{day.isoformat()}", key="signed_off")
            outbox.persist_in(session)
        store.sign(branch, day, role, signatures[role], closed, session)
        return {"branch": branch, "date": day.isoformat(), "signatures": signatures,
                "closed": closed, "effective": sheet.get("effective", 0)}
    result = in_transaction(store.db, work)
    outbox.publish_staged()
    return result


def found(store: CampaignsStore, campaign_id: str) -> dict:
    doc = store.campaign(campaign_id)
    if doc is None:
        raise ValueError(f"no campaign {campaign_id}")
    return doc


def view(doc: dict, made: list[dict]) -> dict:
    """A campaign as `crm campaigns show|create --json` prints it."""
    return {"campaign_id": doc["_id"], "name": doc["name"], "branch": doc["branch"],
            "owner": doc["owner"], "from": doc["from"], "to": doc["to"],
            "status": doc["status"], "criteria": doc["criteria"], "staff": doc["staff"],
            "lists": doc["lists"], "progress": plan.progress(doc["lists"], made),
            "feedback": doc.get("feedback"), "created_at": _iso(doc.get("created_at"))}


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def on_calls(store: CampaignsStore, docs: list[dict],
             shape: Callable[[dict, list[dict]], dict]) -> list[dict]:
    """Each campaign shaped with its own calls (one read for all of them)."""
    made = store.calls_of([d["_id"] for d in docs])
    return [shape(d, [c for c in made if c["campaign_id"] == d["_id"]]) for d in docs]

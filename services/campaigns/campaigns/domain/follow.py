"""Campaigns' read model of the pool: one row per golden customer, folded from events.

Pure: a batch of events (golden customers from dedup, tier changes, assignments,
erasures) and the rows stored for the customers they name go in; the rows to write
come out. Campaigns never reads another service's database, so everything a segment
needs (branch, star level, band, intent class, maintainer, marketing consent, products)
is kept here from the events that announce it.

Delivery is at least once and not ordered across queues, so every fact carries the
time (or revision) it was true at and an older fact never overwrites a newer one:
a golden snapshot by its `revision`, a tier by the event's `occurred_at` per scheme,
a maintainer by the assignment's `occurred_at`. A merged-away customer points at its
survivor and leaves every segment; an erased customer accepts nothing any more.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

Row = dict[str, Any]
GOLDEN = ("customer.registered", "customer.updated", "customer.merged")


@dataclass(frozen=True)
class Fact:
    """One event as the read model needs it: its type, when it happened, its body."""
    type: str
    occurred_at: str
    body: Mapping[str, Any]


def new_row(customer_id: str) -> Row:
    return {"_id": customer_id, "branch": None, "revision": -1, "tiers": {},
            "maintainer": None, "maintainer_at": "", "consent": {}, "products": [],
            "merged_into": None, "erased": False}


def customers_named(facts: Iterable[Fact]) -> set[str]:
    """Every customer id a batch of facts touches (survivors and the absorbed)."""
    ids: set[str] = set()
    for fact in facts:
        body = fact.body
        if fact.type in GOLDEN:
            ids.add(body["customer"]["customer_id"])
            ids.update(body.get("absorbed_ids") or ())
        else:
            ids.add(body["customer_id"])
    return ids


def fold(facts: list[Fact], stored: Mapping[str, Row]) -> dict[str, Row]:
    """The rows after applying `facts` in order to `stored` -> only the rows that changed."""
    rows = {cid: dict(row) for cid, row in stored.items()}
    changed: set[str] = set()
    for fact in facts:
        for cid in apply(fact, rows):
            changed.add(cid)
    return {cid: rows[cid] for cid in changed}


def apply(fact: Fact, rows: dict[str, Row]) -> list[str]:
    """Apply one fact to `rows` in place -> the ids it changed."""
    if fact.type in GOLDEN:
        return _golden(fact, rows)
    cid = fact.body["customer_id"]
    row = rows.setdefault(cid, new_row(cid))
    if row["erased"]:
        return []
    if fact.type == "tier.changed":
        return [cid] if _tier(fact, row) else []
    if fact.type == "customer.assigned":
        return [cid] if _assigned(fact, row) else []
    if fact.type == "customer.erased":
        rows[cid] = erased_row(cid)
        return [cid]
    raise ValueError(f"campaigns does not follow {fact.type}")


def erased_row(customer_id: str) -> Row:
    """What is left of an erased customer: the id and the tombstone, nothing else."""
    return {**new_row(customer_id), "erased": True}


def _golden(fact: Fact, rows: dict[str, Row]) -> list[str]:
    customer = fact.body["customer"]
    cid = customer["customer_id"]
    changed = []
    for absorbed in fact.body.get("absorbed_ids") or ():
        if absorbed != cid:
            row = rows.setdefault(absorbed, new_row(absorbed))
            if not row["erased"] and row["merged_into"] != cid:
                row["merged_into"] = cid
                changed.append(absorbed)
    row = rows.setdefault(cid, new_row(cid))
    revision = int(customer.get("revision") or 0)
    if row["erased"] or revision < row["revision"]:
        return changed
    row.update(revision=revision, branch=customer.get("branch") or row["branch"],
               merged_into=None, consent=dict(customer.get("consent") or {}),
               products=[dict(p) for p in customer.get("products") or ()])
    return [*changed, cid]


def _tier(fact: Fact, row: Row) -> bool:
    body = fact.body
    scheme, held = body["scheme"], row["tiers"].get(body["scheme"]) or {}
    if held.get("at", "") > fact.occurred_at:
        return False
    row["tiers"] = {**row["tiers"], scheme: {"current": body["current"], "at": fact.occurred_at}}
    if body.get("branch") and not row["branch"]:
        row["branch"] = body["branch"]
    return True


def _assigned(fact: Fact, row: Row) -> bool:
    if row["maintainer_at"] > fact.occurred_at:
        return False
    row["maintainer"], row["maintainer_at"] = fact.body.get("manager_id"), fact.occurred_at
    return True


def tier_of(row: Mapping[str, Any], scheme: str) -> str | None:
    """The customer's current tier in `scheme` (None: none known, or removed)."""
    return ((row.get("tiers") or {}).get(scheme) or {}).get("current")

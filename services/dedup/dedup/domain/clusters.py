"""Golden customers: choosing the best candidate and merging.

A golden customer is rebuilt from its member records every time it changes
(:func:`build_golden`), rather than patched field by field. That keeps every
aggregate and survivorship choice a pure function of the *set* of members, so the
result is the same whatever order the records arrived in, and merging two goldens
is just building one from the union of their members.

:mod:`dedup.domain.resolve` builds on these functions; the service runs it with
its MongoDB-backed index, the bench with its in-memory pool (``bench/pool.py``).
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

from dedup.domain.ports import Matcher
from dedup.domain.scoring import MatchResult, as_merged, decide
from dedup.domain.survivorship import (
    consent_of, credit_of, financials_of, identity_of, intent_of, organization_of, owner_of,
    party_keys_of, products_of, registration_key, relations_of,
)

Golden = dict[str, Any]
Record = Mapping[str, Any]

# Aggregated list field on the golden -> (single field, list field) on a record.
_AGGREGATES: dict[str, tuple[str | None, str | None]] = {
    "names": ("name", None),
    "birth_dates": ("birth_date", None),
    "national_id_bis": ("national_id_bi", None),
    "verified_national_id_bis": ("verified_national_id_bi", None),
    "phone_bis": (None, "phone_bis"),
    "email_bis": (None, "email_bis"),
    "postcodes": ("postcode", None),
    "cities": ("city", None),
    "address_bis": ("address_bi", None),
    "street_bis": ("street_bi", None),
    "sources": ("source", None),
}


def _member_order(rec: Record) -> tuple[Any, ...]:
    return (registration_key(rec), str(rec.get("record_id") or ""))


def build_golden(customer_id: str, records: Iterable[Record],
                 params: Mapping[str, Any] | None = None,
                 merged_ids: Sequence[str] = ()) -> Golden:
    """The golden customer for a set of member records (pure, order-independent).

    A record id seen twice (redelivery or an update) keeps its last version.
    """
    by_id: dict[str, dict[str, Any]] = {}
    for rec in records:
        by_id[str(rec.get("record_id"))] = dict(rec)
    members = sorted(by_id.values(), key=_member_order)
    golden: Golden = {
        "customer_id": customer_id,
        "kind": (members[0].get("kind") if members else None) or "person",
        "members": [m.get("record_id") for m in members],
    }
    for agg, (single, plural) in _AGGREGATES.items():
        vals: list[str] = []
        for m in members:
            if single and m.get(single):
                vals.append(m[single])
            if plural:
                vals.extend(v for v in (m.get(plural) or []) if v)
        golden[agg] = list(dict.fromkeys(vals))
    golden.update(identity_of(members, params))
    golden["owner"] = owner_of(members)
    golden["financials"] = financials_of(members)
    golden["intent"] = intent_of(members)
    golden["products"] = products_of(members)
    golden["consent"] = consent_of(members)
    golden.update(organization=organization_of(members), credit=credit_of(members),
                  relations=relations_of(members), party_keys=party_keys_of(members))
    golden["has_contact"] = bool(golden["phone_bis"] or golden["email_bis"]) or any(
        m.get("has_contact") for m in members)
    golden["merged_ids"] = sorted(set(merged_ids) - {customer_id})
    golden["member_records"] = members
    return golden


def new_golden(record: Record, customer_id: str,
               params: Mapping[str, Any] | None = None) -> Golden:
    """A golden customer holding just ``record``."""
    return build_golden(customer_id, [record], params)


def merge_into(golden: Golden, record: Record,
               params: Mapping[str, Any] | None = None) -> Golden:
    """A new golden with ``record`` added (or replaced, if already a member)."""
    return build_golden(golden["customer_id"], [*golden["member_records"], record],
                        params, golden.get("merged_ids", ()))


def choose_survivor(a: Golden, b: Golden) -> tuple[Golden, Golden]:
    """(survivor, absorbed): the survivor holds the earliest owner registration, so
    the customer id that survives is the one the first registrant got."""
    ka = (registration_key(a.get("owner") or {}), a["customer_id"])
    kb = (registration_key(b.get("owner") or {}), b["customer_id"])
    return (a, b) if ka <= kb else (b, a)


def merge_goldens(survivor: Golden, absorbed: Golden,
                  params: Mapping[str, Any] | None = None) -> Golden:
    """Merge two goldens found to be one customer (a transitive merge).

    The survivor's customer id is kept; the absorbed id is recorded in
    ``merged_ids`` so references to it can be redirected. Use
    :func:`choose_survivor` to pick the roles.
    """
    merged_ids = [*survivor.get("merged_ids", ()), absorbed["customer_id"],
                  *absorbed.get("merged_ids", ())]
    return build_golden(survivor["customer_id"],
                        [*survivor["member_records"], *absorbed["member_records"]],
                        params, merged_ids)


def best_match(record: Record, candidates: Sequence[Golden], matchers: Sequence[Matcher],
               params: Mapping[str, Any] | None = None,
               ) -> tuple[str, Golden | None, list[tuple[Golden, MatchResult]]]:
    """Score ``record`` against every candidate and pick the best.

    A candidate is compared through its aggregates (``names``, ``birth_dates``,
    ``national_id_bis``, ``phone_bis``, ``postcodes``, ``address_bis``: every
    member's value, not only the survivor's), so each matcher scores the best of
    the members field by field and survivorship never hides a matching spelling.

    Returns (decision, golden, results): the decision of the best-scoring candidate,
    that candidate (None when the decision is ``no_match``), and all results sorted
    best first (ties broken by customer id, for determinism).
    """
    p = as_merged(params)
    results = [(g, decide(record, g, matchers, p)) for g in candidates]
    results.sort(key=lambda gr: (-gr[1].score, gr[0]["customer_id"]))
    if not results:
        return "no_match", None, []
    top_golden, top = results[0]
    return top.decision, (top_golden if top.decision != "no_match" else None), results

"""Survivorship: which member record's values the golden customer shows.

Each rule is a pure function over member snapshots so that the result does not depend
on the order in which records arrived (messages are delivered at least once and in
any order, and several replicas work at once):

* owner      - the earliest registration wins ("first registrant owns it"), by
               registered_at, never by arrival order;
* financials - the most recent ``as_of`` wins (the freshest balance);
* products   - per product code, the holding with the most recent ``as_of``;
* consent    - the customer's protection first (one do-not-call is enough);
* identity   - per field, the best-ranked member that has a value: highest source
               priority, then most complete record, then earliest registration.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Mapping, Sequence

IDENTITY_FIELDS: tuple[str, ...] = (
    "name", "birth_date", "gender", "branch", "city", "district", "province",
)

DEFAULT_SOURCE_PRIORITY: tuple[str, ...] = ("core_banking", "head_office")

_FAR_FUTURE = "9999-12-31T23:59:59"


def registration_key(reg: Mapping[str, Any]) -> tuple[int, str, str, str]:
    """Sort key: dated registrations first (earliest first), then source/external_id.

    ISO-8601 strings in one format compare chronologically; a trailing "Z" and
    "+00:00" are folded together so they compare alike.
    """
    at = reg.get("registered_at")
    at_s = str(at).replace("Z", "+00:00") if at else _FAR_FUTURE
    return (0 if at else 1, at_s, str(reg.get("source") or ""),
            str(reg.get("external_id") or ""))


def owner_of(registrations: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The owning registration: earliest ``registered_at``; undated ones rank last;
    ties broken by source then external_id so every replica picks the same one."""
    regs = list(registrations)
    if not regs:
        return {}
    best = min(regs, key=registration_key)
    return {k: best.get(k) for k in ("registered_by", "registered_at", "source",
                                      "external_id")}


def financials_of(records: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Financials of the member with the most recent ``financials.as_of``.

    Members without a (valid) ``as_of`` rank after dated ones; ties go to the
    earliest registration so the choice is deterministic.
    """
    candidates = [r for r in records if r.get("financials")]
    if not candidates:
        return {}

    def key(rec: Mapping[str, Any]) -> tuple[Any, ...]:
        as_of = _as_of_ordinal(rec["financials"].get("as_of"))
        return (0 if as_of is not None else 1, -(as_of or 0), registration_key(rec))

    return dict(min(candidates, key=key)["financials"])


def _as_of_ordinal(value: Any) -> int | None:
    try:
        return date.fromisoformat(str(value)[:10]).toordinal() if value else None
    except ValueError:
        return None


def _priority(source: str | None, priority: Sequence[str]) -> int:
    try:
        return priority.index(source or "")
    except ValueError:
        return len(priority)


def _completeness(rec: Mapping[str, Any]) -> int:
    return sum(1 for f in IDENTITY_FIELDS if rec.get(f))


def identity_of(records: Iterable[Mapping[str, Any]],
                params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Identity fields chosen per field from the best-ranked member that has one."""
    priority = tuple((params or {}).get("source_priority", DEFAULT_SOURCE_PRIORITY))
    ranked = sorted(records, key=lambda r: (_priority(r.get("source"), priority),
                                            -_completeness(r), registration_key(r),
                                            str(r.get("record_id") or "")))
    out: dict[str, Any] = {}
    for f in IDENTITY_FIELDS:
        out[f] = next((r[f] for r in ranked if r.get(f)), None)
    return out


def intent_of(records: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Intent of the latest registration that carries one: the freshest judgement
    of a salesperson about the prospect."""
    dated = [r for r in records if r.get("intent")]
    if not dated:
        return {}
    latest = max(dated, key=lambda r: (1 if r.get("registered_at") else 0,
                                       str(r.get("registered_at") or ""),
                                       str(r.get("record_id") or "")))
    return dict(latest["intent"])


def products_of(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Products held: the union over members (each source knows the products it sells),
    one holding per product code, the one with the latest ``as_of`` (ties: the earliest
    registration). A product a source stops listing disappears when that source's newer
    record replaces its old one (a record id keeps its last version)."""
    best: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {}
    for rec in records:
        for held in rec.get("products") or []:
            as_of = _as_of_ordinal(held.get("as_of"))
            key = (0 if as_of is not None else 1, -(as_of or 0), registration_key(rec))
            code = str(held.get("code") or "")
            if code and (code not in best or key < best[code][0]):
                best[code] = (key, dict(held))
    return [best[code][1] for code in sorted(best)]


def consent_of(records: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Consents, the customer's protection first: one member saying do-not-call (or no to
    marketing) is enough; a yes counts only when no member says no; null when no member
    recorded it."""
    records = list(records)
    out: dict[str, Any] = {}
    for key, protective in (("do_not_call", True), ("marketing", False)):
        said = {(rec.get("consent") or {}).get(key) for rec in records} - {None}
        out[key] = protective if protective in said else (not protective if said else None)
    return out


def organization_of(records: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    """Organisation data per field from the earliest registration that has it, so a
    member with a valid USCC supplies it even when an earlier one has none."""
    ranked = sorted((r for r in records if r.get("organization")), key=registration_key)
    if not ranked:
        return None
    return {f: next((r["organization"][f] for r in ranked if r["organization"].get(f)), None)
            for f in ("uscc", "legal_representative", "industry")}


def credit_of(records: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    """Credit of the member with the most recent ``credit.as_of`` (like financials)."""
    found = financials_of({**r, "financials": r["credit"]} for r in records if r.get("credit"))
    return found or None


def relations_of(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every member's relations, each (type, target) once: the latest-registered member's
    version of a relation wins, so an updated share replaces the old one."""
    ordered = sorted(records, key=registration_key)
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for rec in ordered:
        for rel in rec.get("relations") or []:
            out[(rel["type"], rel["target_key"])] = dict(rel)
    return [out[k] for k in sorted(out)]


def party_keys_of(records: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every key any member can be named by."""
    return sorted({k for r in records for k in r.get("party_keys") or []})

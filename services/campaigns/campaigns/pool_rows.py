"""Campaigns' read model of the pool, stored as up to three documents per customer.

A row (domain/follow.py) holds what the golden customer says (branch, revision,
consent, products, merged_into, erased), its tiers and its maintainer, and each kind of
event changes one of the three. Kept as one document, a new customer cost an insert
(its golden snapshot) and two replaces (its tiers, then its maintainer), and on the
embedded database a replace costs about four inserts: most of the campaigns database's
time under load (docs/benchmarks.md, session 30). Kept as one document per part, under
the customer's id in `customers`, `customer_tiers` and `customer_maintainers`, a new
customer costs three inserts. A part still at its default (no tiers, no maintainer) is
not stored; a part that returns to it (an erasure) is deleted.

The golden document keeps the parts' fields at their defaults (no tiers, no maintainer),
so an older replica still running during a rolling upgrade reads it as a row. A row
holding values of its parts inline (stored by an earlier version, or by such a replica)
is read with each part's newer fact winning, and its next write stores the parts apart.
"""
from __future__ import annotations

from typing import Any, Iterable

from common.mongo import find_in, insert_or_replace

from .domain.follow import new_row

PARTS: dict[str, tuple[str, ...]] = {"tiers": ("tiers",),
                                     "maintainers": ("maintainer", "maintainer_at")}
IN_PARTS = frozenset(f for fields in PARTS.values() for f in fields)
PART_DEFAULTS = {field: new_row("")[field] for field in IN_PARTS}  # the same for every row
# The parts an event changes or decides on (domain/follow.py); the golden part is read
# for every event (erased, branch). A part not read looks unset and is not written.
PARTS_OF = {"tier.changed": ("tiers",), "customer.assigned": ("maintainers",)}
GOLDEN = "golden"
Row = dict[str, Any]


def parts_for(event_types: Iterable[str]) -> tuple[str, ...]:
    """The parts a batch of these event types needs read."""
    wanted = {part for kind in event_types for part in PARTS_OF.get(kind, ())}
    return tuple(name for name in PARTS if name in wanted)


class Read(dict):
    """Rows by customer id as read, and which of each row's documents are stored
    (`found[cid]`: golden, tiers, maintainers, and `legacy`: stored inline), which
    `save` needs to insert what is new and replace what exists."""

    def __init__(self, rows: dict[str, Row], found: dict[str, dict[str, bool]]):
        super().__init__(rows)
        self.found = found


def _fields(row: Row, names: Iterable[str]) -> dict:
    return {name: row[name] for name in names}


def _golden(row: Row) -> dict:
    return {k: v for k, v in row.items() if k not in IN_PARTS}


def _inline(golden: dict) -> bool:
    """Whether a golden document holds values of its parts (not only their defaults)."""
    return any(golden.get(field, default) != default for field, default in PART_DEFAULTS.items())


def _golden_doc(row: Row) -> dict:
    """The golden document: the row's golden fields, its parts' fields at their defaults."""
    return {**_golden(row), **PART_DEFAULTS}


def assembled(cid: str, golden: dict | None,
              parts: dict[str, dict | None]) -> tuple[Row, dict[str, bool]]:
    """The row from its stored documents (what none of them holds is the default), and
    which documents are stored."""
    row = {**new_row(cid), **(golden or {})}
    for name, doc in parts.items():
        if doc and not row["erased"]:  # an erased row is a tombstone, whatever is left
            _overlay(row, name, doc)
    legacy = golden is not None and _inline(golden)
    return row, {GOLDEN: golden is not None, "legacy": legacy,
                 **{name: doc is not None for name, doc in parts.items()}}


def _overlay(row: Row, name: str, doc: dict) -> None:
    """A part over what the golden document holds inline, the newer fact winning as in
    domain/follow.py: a row has both only if an older replica wrote it inline during a
    rolling upgrade, after this version stored its parts."""
    if name == "maintainers":
        if doc.get("maintainer_at", "") >= row.get("maintainer_at", ""):
            row.update(_fields(doc, PARTS[name]))
        return
    tiers = dict(row["tiers"])
    for scheme, held in (doc.get("tiers") or {}).items():
        if held.get("at", "") >= (tiers.get(scheme) or {}).get("at", ""):
            tiers[scheme] = held
    row["tiers"] = tiers


class PoolRows:
    """The three collections of the read model, read and written as rows."""

    def __init__(self, db):
        self.golden = db["customers"]
        self.parts = {name: db[f"customer_{name}"] for name in PARTS}

    def read(self, ids: Iterable[str], session: Any = None,
             parts: Iterable[str] = tuple(PARTS)) -> Read:
        """The rows of these customers with the `parts` named (the others left unset,
        and so not written by `save`): one `$in` per collection read."""
        ids = list(ids)
        golden = {r["_id"]: r for r in find_in(self.golden, "_id", ids, session)}
        return self._with_parts(golden, ids, session, tuple(parts))

    def in_branch(self, branch: str) -> list[Row]:
        """The branch's active rows (neither erased nor merged away)."""
        golden = {r["_id"]: r for r in self.golden.find(
            {"branch": branch, "erased": False, "merged_into": None})}
        return list(self._with_parts(golden, list(golden), None, tuple(PARTS)).values())

    def _with_parts(self, golden: dict, ids: list[str], session: Any,
                    wanted: tuple[str, ...]) -> Read:
        # a row stored inline is rewritten whole (its parts apart): every part of it read
        inline = [cid for cid, doc in golden.items() if _inline(doc)]
        parts = {name: {r["_id"]: r for r in find_in(
                     self.parts[name], "_id", ids if name in wanted else inline, session)}
                 for name in PARTS if name in wanted or inline}
        rows, found = {}, {}
        for cid in set(golden).union(*parts.values()):
            rows[cid], found[cid] = assembled(cid, golden.get(cid), {
                name: stored.get(cid) for name, stored in parts.items()})
        return Read(rows, found)

    def save(self, rows: dict[str, Row], session: Any = None,
             known: Read | None = None) -> None:
        """Write what changed of each row against `known` (the rows `read` in the same
        unit of work): inserts for documents not stored yet, replaces for the others,
        deletes for parts back at their default. `known` None (nothing was read, an
        erasure): every document is written over or deleted."""
        writes: dict[str, list[dict]] = {GOLDEN: [], **{name: [] for name in PARTS}}
        stored: dict[str, set[str]] = {name: set() for name in writes}
        drops: dict[str, list[str]] = {name: [] for name in PARTS}
        for cid, row in rows.items():
            old = None if known is None else known.get(cid)
            found = {} if known is None else known.found.get(cid, {})
            _plan(cid, row, (old, found, known is None), (writes, stored, drops))
        for name, docs in writes.items():
            if docs:
                collection = self.golden if name == GOLDEN else self.parts[name]
                ops = insert_or_replace(docs, None if known is None else stored[name])
                collection.bulk_write(ops, ordered=False, session=session)
        for name, ids in drops.items():
            if ids:
                self.parts[name].delete_many({"_id": {"$in": ids}}, session=session)


def _plan(cid: str, row: Row, read: tuple, plan: tuple) -> None:
    """Add one row's documents that differ from what was read (`old`: the row, None
    when none is stored; `found`: which of its documents are) to the plan (writes, ids
    stored already, parts to delete). `blind` (nothing was read) and a row stored
    inline by an earlier version write every document."""
    (old, found, blind), (writes, stored, drops) = read, plan
    base = new_row(cid) if old is None else old
    rewrite = blind or found.get("legacy", False)
    if rewrite or _golden(row) != _golden(base):
        writes[GOLDEN].append(_golden_doc(row))
        if found.get(GOLDEN):
            stored[GOLDEN].add(cid)
    for name, fields in PARTS.items():
        value = _fields(row, fields)
        if value == _fields(PART_DEFAULTS, fields):
            if blind or found.get(name):
                drops[name].append(cid)
        elif rewrite or value != _fields(base, fields):
            writes[name].append({"_id": cid, **value})
            if found.get(name):
                stored[name].add(cid)

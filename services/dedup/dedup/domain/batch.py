"""A batch of records placed as one unit of work: ordering and the working set (pure).

A batch is placed record by record, as if the records had come one by one, but its
writes are committed together at the end (handlers.py). So every placement must see
what the earlier placements of the same batch did before anything is written: the
:class:`WorkingSet` is that view, the pool as read from the database overlaid with the
customers the batch created or changed, and it remembers what to write.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from .keys import candidate_rank
from .survivorship import registration_key

Doc = dict[str, Any]


def placement_order(records: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Records by registration time, undated last; ties keep their arrival order.

    The earliest registration owns a customer: placing a batch in this order makes
    the customer the earliest record creates the one the later ones join, whatever
    order the broker delivered them in (a stable sort keeps arrival among equals)."""
    return sorted(records, key=lambda r: registration_key(r)[:2])


@dataclass
class Review:
    """A review row to open: a new customer that possibly is an existing one."""
    record_id: str
    customer_id: str
    candidate_id: str
    score: float
    evidence: dict = field(default_factory=dict)  # per comparison: level/similarity, weight
    params_version: int = 0                        # 0: the hand-set parameters
    decision: dict = field(default_factory=dict)  # total, thresholds, why (domain.evidence)
    branch: str | None = None

    @property
    def review_id(self) -> str:
        return review_id(self.record_id, self.candidate_id)


def review_id(record_id: str, candidate_id: str) -> str:
    """A review's id: letters and digits only, so it can be pasted into a shell
    unquoted (it was `record>candidate`, which a shell reads as a redirection; rows
    opened under that form keep their id). Derived from the pair, so a retried
    placement opens the same review."""
    return "RV" + hashlib.sha1(f"{record_id}>{candidate_id}".encode()).hexdigest()[:16]


def merge_id(record_id: str, customer_id: str) -> str:
    """The id of an automatic merge's evidence row (a retried placement rewrites it)."""
    return "MG" + hashlib.sha1(f"{record_id}>{customer_id}".encode()).hexdigest()[:16]


@dataclass
class WorkingSet:
    """The pool as this batch sees it, and the batch's pending writes.

    `docs` holds every customer document read or written by the batch (the newest
    state); `base` the revision each one had in the database (None: created by this
    batch), the guard of its write. `claims` maps blocking keys to their holders as
    read or claimed; `claimed` the keys this batch writes.

    `holding` (record id -> customers) and `keyed` (blocking key -> customers the batch
    wrote) index every state a customer had in the batch, so finding a record's owner or
    a record's candidates looks at those customers only, not at every customer the
    batch holds (which made a batch quadratic in its size). A customer found through
    them is checked against its newest state, as before."""
    docs: dict[str, Doc] = field(default_factory=dict)
    base: dict[str, int | None] = field(default_factory=dict)
    claims: dict[str, str] = field(default_factory=dict)
    stored_claims: set[str] = field(default_factory=set)  # claim rows read from the database
    claimed: dict[str, str] = field(default_factory=dict)
    reviews: dict[str, Review] = field(default_factory=dict)
    merges: list[dict] = field(default_factory=list)  # evidence of automatic merges
    holding: dict[str, set[str]] = field(default_factory=dict)
    keyed: dict[str, set[str]] = field(default_factory=dict)
    order: dict[str, int] = field(default_factory=dict)  # customer -> place in `docs`
    written: dict[str, int] = field(default_factory=dict)  # customer -> place among writes

    def know(self, rows: Iterable[Doc]) -> None:
        """Remember database rows, unless the batch already holds a newer state."""
        for row in rows:
            if row["_id"] not in self.docs:
                self._hold(row)
                self.base[row["_id"]] = row.get("revision")

    def put(self, doc: Doc) -> None:
        """A customer's new state, to be written at the commit."""
        cid = doc["_id"]
        if cid not in self.docs:
            self.base[cid] = None
        self._hold(doc)
        for key in doc.get("keys") or ():
            self.keyed.setdefault(key, set()).add(cid)
        self.written.setdefault(cid, len(self.written))

    def _hold(self, doc: Doc) -> None:
        cid = doc["_id"]
        self.order.setdefault(cid, len(self.order))
        self.docs[cid] = doc
        for member in doc.get("members", ()):
            self.holding.setdefault(member, set()).add(cid)

    def owner_of(self, record_id: str) -> Doc | None:
        """The active customer holding the record: the one the batch wrote last, else
        the first the batch came to know."""
        holders = [self.docs[cid] for cid in self.holding.get(record_id, ())]
        active = [d for d in holders if d.get("active") and record_id in d.get("members", ())]
        written = [d for d in active if d["_id"] in self.written]
        if written:
            return max(written, key=lambda d: self.written[d["_id"]])
        return min(active, key=lambda d: self.order[d["_id"]], default=None)

    def candidates(self, keys: Sequence[str], rows: Sequence[Doc],
                   max_candidates: int) -> list[Doc]:
        """Active customers sharing keys, ranked (:func:`keys.candidate_rank`): the
        database's `rows` replaced by the batch's newer states, plus the batch's own."""
        self.know(rows)
        wanted = set(keys)
        ids = {r["_id"] for r in rows}.union(*(self.keyed.get(k, ()) for k in wanted))
        seen = [doc for doc in (self.docs[cid] for cid in ids)
                if doc.get("active") and wanted.intersection(doc.get("keys") or ())]
        ranked = sorted(seen, key=lambda d: (*candidate_rank(wanted, d["keys"]), d["_id"]))
        return ranked[:max_candidates]

    def claim(self, customer_id: str, keys: Sequence[str]) -> None:
        """Take the keys nobody active holds; a key an active customer holds stays its.

        A holder that is gone or no longer active (merged away) gives its key up. A
        write of the claim row is what makes two replicas creating the same person at
        once collide (a write conflict: one transaction is retried and then sees the
        other's customer)."""
        for key in keys:
            holder = self.claims.get(key)
            if holder and holder != customer_id and self.docs.get(holder, {}).get("active"):
                continue
            if holder != customer_id:
                self.claims[key] = self.claimed[key] = customer_id

    def writes(self) -> tuple[list[Doc], list[tuple[Doc, int]]]:
        """(customers to insert, (customer, revision it had) to replace), by id so
        concurrent batches write in one order and the first to get there wins."""
        inserts, replaces = [], []
        for cid in sorted(self.written):
            doc, base = self.docs[cid], self.base.get(cid)
            if base is None:
                inserts.append(doc)
            else:
                replaces.append((doc, base))
        return inserts, replaces

"""Reporting's collections: the facts (one per event, stamped `recorded_at`), the merge
links between customer ids, erasure tombstones, the figures of closed periods as first
computed, and the gauges' kept shares and totals (domain/gauges.py)."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from pymongo import ASCENDING, InsertOne, UpdateOne
from pymongo.database import Database
from pymongo.errors import BulkWriteError

from common.mongo import DUPLICATE_KEY, find_in, in_chunks

from . import metrics

Fact = dict[str, Any]
# few ids have links, and the embedded database's `$in` cost is rows found x values:
# one query per thousand ids instead of one per sixteen
LINK_CHUNK = 1000
# a span's facts are streamed this many at a time (the driver would otherwise take a
# whole span in one reply of up to 16 MB, decoded at once)
NAMES_BATCH = 1000
def _links(facts: Iterable[Fact]) -> list[dict]:
    return [{"_id": absorbed, "into": f["customer_id"]}
            for f in facts if f["kind"] == "merge" for absorbed in f["absorbed_ids"]]


def _insert_new(collection, docs: list[dict], session: Any) -> int:
    """Insert, a document already there being a redelivery (inserts, not upserts: an
    upsert costs the embedded database twice as much)."""
    if not docs:
        return 0
    try:
        return len(collection.insert_many(docs, ordered=False, session=session).inserted_ids)
    except BulkWriteError as exc:
        if any(e["code"] != DUPLICATE_KEY for e in exc.details["writeErrors"]):
            raise
        return exc.details["nInserted"]


class ReportingStore:
    def __init__(self, db: Database):
        self.db = db
        self.facts = db["facts"]
        self.erased = db["erased"]
        self.closed = db["closed_periods"]
        self.links = db["links"]
        self.shares = db["gauge_shares"]
        self.gauges = db["gauges"]

    def ensure_indexes(self) -> None:
        self.facts.create_index([("customer_id", ASCENDING)])
        self.facts.create_index([("recorded_at", ASCENDING)])
        self.links.create_index([("into", ASCENDING)])
        self.erased.create_index([("recorded_at", ASCENDING)])
        metrics.watch_behind(self.gauges)  # set up once per process, with the indexes

    def add(self, facts: Iterable[Fact], recorded_at: datetime, session: Any = None) -> int:
        """Store new facts (a redelivered event's fact is already there: no-op); facts of
        an erased customer arriving late are turned away. Returns how many were new."""
        facts = list(facts)
        if not facts:
            return 0
        gone = self.erased_among({f["customer_id"] for f in facts}, session)
        new = [{**f, "recorded_at": recorded_at} for f in facts if f["customer_id"] not in gone]
        _insert_new(self.links, _links(new), session)
        return _insert_new(self.facts, new, session)

    def turn_away_late(self, ids: Iterable[str], recorded_at: datetime) -> int:
        """Delete the facts (and merge links) still kept under erased customers' ids ->
        how many. A batch's facts and an erasure write different documents, so when
        they commit side by side neither sees the other: the facts' read found no
        tombstone, the erasure's read found no facts. Both look again after their commit
        (handlers), so whichever commits last turns the facts away, as `add` does for
        late ones. The tombstones are stamped again: the next gauge refresh re-reads
        the person."""
        gone = sorted(self.erased_among(ids))
        if not gone:
            return 0
        deleted = self.facts.delete_many({"customer_id": {"$in": gone}}).deleted_count
        if deleted:
            self.links.delete_many({"_id": {"$in": gone}})  # two indexed deletes: an
            self.links.delete_many({"into": {"$in": gone}})  # `$or` reads every link
            self.erased.update_many({"_id": {"$in": gone}},
                                    {"$set": {"recorded_at": recorded_at}})
        return deleted

    def everything(self, session: Any = None) -> list[Fact]:
        """Every fact at once: for checks on small databases; the use cases read the
        history a page at a time (history.py), so memory does not follow the pool."""
        return list(self.facts.find({}, session=session))

    def fact_count(self) -> int:
        """About how many facts are kept (the collection's metadata: no scan)."""
        return self.facts.estimated_document_count()

    def facts_between(self, low: str | None, high: str | None) -> list[Fact]:
        """The facts of the customer ids in [low, high) (None: unbounded)."""
        ids = {**({"$gte": low} if low is not None else {}),
               **({"$lt": high} if high is not None else {})}
        return list(self.facts.find({"customer_id": ids} if ids else {}))

    def erased_among(self, ids: Iterable[str], session: Any = None) -> set[str]:
        """Which of these customer ids have a tombstone."""
        wanted = sorted(set(ids))
        return {d["_id"] for d in self.erased.find({"_id": {"$in": wanted}}, {"_id": 1},
                                                   session=session)} if wanted else set()

    def is_erased(self, customer_id: str, session: Any = None) -> bool:
        return self.erased.find_one({"_id": customer_id}, session=session) is not None

    def facts_of(self, ids: Iterable[str], session: Any = None) -> list[Fact]:
        return find_in(self.facts, "customer_id", ids, session)

    def replace_erased(self, ids: list[str], old: list[Fact], new: list[Fact],
                       erased_at: datetime, recorded_at: datetime, session: Any = None) -> None:
        """Swap the person's facts (and merge links) for their anonymous copies and keep
        the tombstone; both are stamped, so the next gauge refresh moves the person."""
        if old:
            self.facts.delete_many({"_id": {"$in": [f["_id"] for f in old]}}, session=session)
        self.links.delete_many({"_id": {"$in": ids}}, session=session)
        self.links.delete_many({"into": {"$in": ids}}, session=session)
        new = [{**f, "recorded_at": recorded_at} for f in new]
        if new:
            self.facts.bulk_write([InsertOne(f) for f in new], session=session)
        _insert_new(self.links, _links(new), session)
        self.erased.bulk_write([UpdateOne({"_id": i}, {"$setOnInsert": {"at": erased_at},
                                                       "$set": {"recorded_at": recorded_at}},
                                          upsert=True) for i in ids], session=session)

    def frozen(self, key: str) -> dict | None:
        return self.closed.find_one({"_id": key})

    def freeze(self, key: str, rows: list[dict], computed_at: datetime) -> None:
        self.closed.replace_one({"_id": key}, {"_id": key, "rows": rows,
                                               "computed_at": computed_at}, upsert=True)

    # the gauges' working set (handlers.refresh_gauges)

    def names_since(self, since: datetime, until: datetime | None = None) -> tuple[int, set]:
        """(how many facts were recorded since `since`, and before `until` if given; every
        customer id they or erasures name). The facts are streamed for their names
        alone, never held: a span of a bulk import holds tens of thousands. A range on
        the stamp, not a sort and a limit: the embedded database reads the whole range
        before it limits."""
        stamped = {"$gte": since, **({"$lt": until} if until else {})}
        read, ids = 0, set()
        for fact in self.facts.find({"recorded_at": stamped},
                                    {"_id": 0, "customer_id": 1, "absorbed_ids": 1},
                                    batch_size=NAMES_BATCH):
            read += 1
            ids.add(fact["customer_id"])
            ids.update(fact.get("absorbed_ids") or ())
        ids |= {d["_id"] for d in self.erased.find({"recorded_at": stamped}, {"_id": 1})}
        return read, ids

    def links_around(self, ids: Iterable[str], session: Any = None) -> list[tuple[str, str]]:
        """Every merge link (absorbed id, survivor id) reachable from `ids`, directly or
        through other merged ids."""
        seen, frontier, pairs = set(ids), set(ids), {}
        while frontier:
            found = [link for side in ("_id", "into")
                     for link in find_in(self.links, side, frontier, session, size=LINK_CHUNK)]
            pairs.update((link["_id"], link["into"]) for link in found)
            ends = {end for link in found for end in (link["_id"], link["into"])}
            frontier = ends - seen
            seen |= ends
        return list(pairs.items())

    def relink(self) -> None:
        """Links for merge facts stored before links were kept (a rebuild's first step;
        only the missing ones). Reads the merge facts alone, never every fact."""
        merges = self.facts.find({"kind": "merge"}, {"kind": 1, "customer_id": 1,
                                                      "absorbed_ids": 1})
        kept = {d["_id"] for d in self.links.find({}, {"_id": 1})}
        missing = {link["_id"]: link for link in _links(merges) if link["_id"] not in kept}
        _insert_new(self.links, list(missing.values()), None)

    def shares_of(self, ids: Iterable[str], quarter: str, session: Any = None) -> dict:
        return {d["_id"]: d["rows"] for d in find_in(self.shares, "_id", ids, session,
                                                     where={"quarter": quarter})}

    def gauge_state(self, quarter: str, session: Any = None) -> dict | None:
        return self.gauges.find_one({"_id": quarter}, session=session)

    def save_gauges(self, quarter: str, shares: dict, gone: Iterable[str], totals: list,
                    mark: datetime, session: Any = None) -> None:
        """The changed customers' shares (`gone`: the kept ones they replace or drop),
        the totals and the mark in one write set."""
        self._drop_shares(gone, session)
        self._insert_shares(quarter, shares, session)
        self.put_gauge_state({"_id": quarter, "mark": mark, "totals": totals}, session)

    def replace_shares(self, quarter: str, shares: dict, session: Any = None) -> list:
        """A page's shares in a quarter's first count, in place of any kept under these
        ids (an earlier quarter's too) -> this quarter's shares they replaced."""
        replaced = self.shares_of(shares, quarter, session)
        self._drop_shares(shares, session)
        self._insert_shares(quarter, shares, session)
        return list(replaced.values())

    def _drop_shares(self, ids: Iterable[str], session: Any) -> None:
        for chunk in in_chunks(ids):
            self.shares.delete_many({"_id": {"$in": chunk}}, session=session)

    def _insert_shares(self, quarter: str, shares: dict, session: Any) -> None:
        docs = [{"_id": cid, "quarter": quarter, "rows": rows} for cid, rows in shares.items()]
        if docs:
            self.shares.insert_many(docs, session=session)

    def put_gauge_state(self, state: dict, session: Any = None) -> None:
        self.gauges.replace_one({"_id": state["_id"]}, state, upsert=True, session=session)

    def drop_shares_not_of(self, quarter: str) -> int:
        """Earlier quarters' shares, once this quarter's are all written (outside any
        transaction: they are read by quarter, so a partial delete is harmless)."""
        return self.shares.delete_many({"quarter": {"$ne": quarter}}).deleted_count

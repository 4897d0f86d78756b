"""The groups service's collections: parties (golden customers as grouping needs them),
manual links (rule 4) and groups.

A change is regrouped within its *region*: the parties reachable from the changed ones
through relations (either direction, and through a key nobody holds yet), manual links
and the stored groups of the parties found. A few `$in` queries per hop, inside the
unit of work's transaction, so two replicas regrouping overlapping regions conflict on
the same documents and one of them retries.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from pymongo import ASCENDING, DeleteOne, ReplaceOne
from pymongo.database import Database

from common import clock
from common.mongo import find_in, insert_or_replace

MAX_REGION = 5000


def _where(collection, field: str, values: list, session, everything: bool = False):
    """Documents whose `field` is one of `values` (only their ids unless `everything`)."""
    return find_in(collection, field, values, session, None if everything else {"_id": 1})


@dataclass
class Region:
    parties: dict[str, dict] = field(default_factory=dict)
    links: list[dict] = field(default_factory=list)
    groups: list[dict] = field(default_factory=list)


def link_id(a: str, b: str) -> str:
    return "|".join(sorted((a, b)))


class GroupsStore:
    def __init__(self, db: Database):
        self.db = db
        self.parties = db["parties"]
        self.links = db["links"]
        self.groups = db["groups"]

    def ensure_indexes(self) -> None:
        self.parties.create_index([("party_keys", ASCENDING)])
        self.parties.create_index([("relations.target_key", ASCENDING)])
        self.links.create_index([("a", ASCENDING)])
        self.links.create_index([("b", ASCENDING)])
        self.groups.create_index([("members", ASCENDING)])

    # -- parties ------------------------------------------------------------------------
    def parties_by_id(self, ids: Iterable[str], session=None) -> dict[str, dict]:
        return {d["_id"]: d for d in find_in(self.parties, "_id", ids, session)}

    def save_parties(self, docs: list[dict], session=None,
                     known: Iterable[str] | None = None) -> None:
        """Store whole party documents. With `known` (the ids the unit of work read and
        found), the others are inserted: an upsert costs the embedded database several
        inserts (a party arriving later than read is a duplicate key, which runs the
        unit of work again). Without it, every document is upserted."""
        if not docs:
            return
        now = clock.now()
        self.parties.bulk_write(insert_or_replace(
            [{**d, "updated_at": now} for d in docs], known), session=session)

    # -- links --------------------------------------------------------------------------
    def add_link(self, a: str, b: str, reason: str, by: str | None, session=None) -> None:
        self.links.replace_one({"_id": link_id(a, b)}, {
            "_id": link_id(a, b), "a": min(a, b), "b": max(a, b), "reason": reason, "by": by,
            "at": clock.now()}, upsert=True, session=session)

    def remove_link(self, a: str, b: str, session=None) -> bool:
        return self.links.delete_one({"_id": link_id(a, b)}, session=session).deleted_count == 1

    def remove_links_of(self, ids: list[str], session=None) -> None:
        for side in ("a", "b"):  # one indexed delete per side: an `$or` reads every link
            self.links.delete_many({side: {"$in": ids}}, session=session)

    # -- the region of a change -----------------------------------------------------------
    def region(self, seeds: Iterable[str], session=None) -> Region:
        region = Region()
        frontier = set(seeds)
        links: dict[str, dict] = {}
        while frontier and len(region.parties) < MAX_REGION:
            docs = self.parties_by_id(frontier, session)
            region.parties.update(docs)
            found = self._neighbours(frontier, docs.values(), links, session)
            frontier = found - set(region.parties)
        region.links = list(links.values())
        region.groups = find_in(self.groups, "members", region.parties, session)
        return region

    def _neighbours(self, ids: set[str], docs: Iterable[dict], links: dict[str, dict],
                    session) -> set[str]:
        docs = list(docs)
        out_keys = [r["target_key"] for d in docs for r in d.get("relations") or []]
        own_keys = [k for d in docs for k in d.get("party_keys") or []]
        # One indexed query per field, never an `$or`, and none for an empty list: the
        # embedded database answered `$or` by reading the whole collection, a cost that
        # grew with every party (0.27 s a batch in the bench).
        found = {d["_id"] for d in _where(self.parties, "party_keys", out_keys, session)}
        found |= {d["_id"] for d in _where(self.parties, "relations.target_key",
                                           out_keys + own_keys, session)}
        for side in ("a", "b"):
            for link in _where(self.links, side, list(ids), session, everything=True):
                links[link["_id"]] = link
                found |= {link["a"], link["b"]}
        for group in find_in(self.groups, "members", ids, session, {"members": 1}):
            found |= set(group["members"])
        return found

    # -- groups -------------------------------------------------------------------------
    def save_groups(self, rows: list[dict], removed: list[str], session=None) -> None:
        now = clock.now()
        ops: list[Any] = [ReplaceOne({"_id": r["_id"]}, {**r, "updated_at": now}, upsert=True)
                          for r in rows]
        ops += [DeleteOne({"_id": gid}) for gid in removed]
        if ops:
            self.groups.bulk_write(ops, session=session)

    def list_groups(self) -> list[dict]:
        return list(self.groups.find({}, {"ties": 0}).sort("_id", ASCENDING))

    def get_group(self, group_id: str) -> dict | None:
        return self.groups.find_one({"_id": group_id})

    def holders(self, keys: list[str]) -> dict[str, str]:
        """key -> the active party holding it."""
        rows = self.parties.find({"party_keys": {"$in": keys}, "active": True},
                                 {"party_keys": 1})
        return {k: r["_id"] for r in rows for k in r["party_keys"] if k in keys}

    def group_of(self, customer_id: str) -> dict | None:
        return self.groups.find_one({"members": customer_id})

    def gauges(self) -> tuple[int, float]:
        """(number of groups, the largest share of limit)."""
        rows = list(self.groups.find({}, {"share_of_limit": 1}))
        return len(rows), max((r.get("share_of_limit") or 0.0 for r in rows), default=0.0)

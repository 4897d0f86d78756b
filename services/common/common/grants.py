"""Each service's copy of the operators' grants, kept from `operator.changed` events.

Ingestion owns the operators; every service (ingestion too) keeps the grants it needs
to judge a request in its own database (`grants`, one document per broker user), so a
check costs no call to another service. Grants are few: each process keeps them all
in memory for CACHE_SECONDS, so a revocation reaches every replica within that time
after its event (RabbitMQ closes the revoked user's connections at once anyway).
"""
from __future__ import annotations

import threading
import time

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from .operators import Grant

CACHE_SECONDS = 2.0


class GrantsStore:
    def __init__(self, db: Database):
        self.grants = db["grants"]
        self._lock = threading.Lock()
        self._loaded_at = -CACHE_SECONDS
        self._by_user: dict[str, Grant] = {}

    def apply(self, grant: Grant) -> bool:
        """Keep `grant` unless a newer version of it is here already; True if kept."""
        doc = grant.payload()  # a new dict each call
        try:
            result = self.grants.update_one(
                {"_id": grant.broker_user, "version": {"$lt": grant.version}},
                {"$set": doc}, upsert=True)
        except DuplicateKeyError:  # the document exists with a newer version
            return False
        self.forget()
        return bool(result.upserted_id or result.modified_count)

    def find(self, broker_user: str) -> Grant | None:
        """The grant, from memory; a user the cache does not know is read through, since
        another replica of this service may have stored a new grant a moment ago (and
        `crm operators add` returns as soon as the database holds it)."""
        with self._lock:
            if time.monotonic() - self._loaded_at >= CACHE_SECONDS:
                self._by_user = {d["_id"]: Grant.from_payload(d) for d in self.grants.find()}
                self._loaded_at = time.monotonic()
            known = self._by_user.get(broker_user)
        if known is not None:
            return known
        doc = self.grants.find_one({"_id": broker_user})
        if doc is None:
            return None
        grant = Grant.from_payload(doc)
        with self._lock:
            self._by_user[broker_user] = grant
        return grant

    def version(self, broker_user: str) -> int | None:
        """The newest version held for this user (read through, not cached)."""
        doc = self.grants.find_one({"_id": broker_user}, {"version": 1})
        return int(doc["version"]) if doc else None

    def forget(self) -> None:
        with self._lock:
            self._loaded_at = -CACHE_SECONDS

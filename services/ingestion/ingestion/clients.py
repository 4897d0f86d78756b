"""Upstream clients: who may send records, for which sources, and who may erase.

The `clients` collection holds one document per client (name as _id): sources,
may_erase, the SHA-256 of its HTTP token, its broker user, created_at, revoked_at.
The intake looks clients up on every request and message, so each process keeps the
active ones in memory for CACHE_SECONDS; revoking refreshes the revoking process at
once and every other one within CACHE_SECONDS (and RabbitMQ drops the broker user's
connections the moment its user is deleted; a deletion the broker's management API
did not take is retried: user_deletions.py).
"""
from __future__ import annotations

import threading
import time

from nameko.timer import timer
from pymongo.database import Database

from common import clock
from common.mongo import MongoStore, in_transaction
from common.reliability import TRANSIENT
from common.rpcs import rpc

from . import broker_users, metrics
from .domain.clients import (broker_user_for, check_client, new_token, public_view,
                             token_hash)
from .user_deletions import DONE, PLATFORM, SWEEP_SECONDS, UserDeletions

CACHE_SECONDS = 2.0


class ClientsStore:
    def __init__(self, db: Database):
        self.db = db
        self.clients = db["clients"]
        self.deletions = UserDeletions(db)
        self._lock = threading.Lock()
        self._loaded_at = -CACHE_SECONDS
        self._by_token: dict[str, dict] = {}
        self._by_user: dict[str, dict] = {}

    def ensure_indexes(self) -> None:
        self.clients.create_index("token_hash")
        self.clients.create_index("broker_user")

    # -- the hot path: cached -----------------------------------------------------------
    def by_token(self, token: str | None) -> dict | None:
        """The active client holding this HTTP token, else None."""
        return self._fresh()[0].get(token_hash(token)) if token else None

    def by_broker_user(self, user: str | None) -> dict | None:
        """The active client whose broker user this is, else None."""
        return self._fresh()[1].get(user) if user else None

    def _fresh(self) -> tuple[dict, dict]:
        with self._lock:
            if time.monotonic() - self._loaded_at >= CACHE_SECONDS:
                active = list(self.clients.find({"revoked_at": None}))
                self._by_token = {d["token_hash"]: d for d in active}
                self._by_user = {d["broker_user"]: d for d in active if d.get("broker_user")}
                self._loaded_at = time.monotonic()
            return self._by_token, self._by_user

    def forget(self) -> None:
        with self._lock:
            self._loaded_at = -CACHE_SECONDS

    # -- administration -----------------------------------------------------------------
    def active(self, name: str) -> dict | None:
        return self.clients.find_one({"_id": name, "revoked_at": None})

    def user_taken(self, user: str) -> bool:
        return self.clients.find_one({"broker_user": user, "revoked_at": None}) is not None

    def save(self, doc: dict) -> None:
        """A new client, or one taking the name of a revoked one (its row is replaced)."""
        self.clients.replace_one({"_id": doc["_id"]}, doc, upsert=True)
        self.forget()

    def revoke(self, name: str) -> dict | None:
        """The active client as it was, now revoked together with the request to delete
        the broker user ingestion made for it; None if there was none. A read and an
        update in one transaction (not findAndModify, which reads the whole collection
        on SecantusDB): of two concurrent revokes only one finds the client active."""
        def work(session) -> dict | None:
            active = {"_id": name, "revoked_at": None}
            doc = self.clients.find_one(active, session=session)
            if doc is not None:
                self.clients.update_one(active, {"$set": {"revoked_at": clock.now()}},
                                        session=session)
                if doc.get("managed_user"):
                    self.deletions.request(doc["broker_user"], f"client:{name}", session)
            return doc
        doc = in_transaction(self.db, work)
        self.forget()
        return doc

    def revoked_pending(self, name: str) -> dict | None:
        """The revoked client whose broker user is still to be deleted, else None."""
        doc = self.clients.find_one({"_id": name, "revoked_at": {"$ne": None},
                                     "managed_user": True})
        return doc if doc and self.deletions.is_pending(doc["broker_user"]) else None

    def listing(self) -> list[dict]:
        return [public_view(d) for d in self.clients.find().sort("_id", 1)]


class ClientAdmin:
    """Mixin for the ingestion service: the RPCs behind `crm clients add|list|revoke`."""

    clients = MongoStore(ClientsStore)

    @rpc(role="admin")
    def clients_add(self, name: str, sources: list[str], may_erase: bool = False,
                    broker_user: str | None = None) -> dict:
        """Create a client; its HTTP token (and broker password) are returned once.
        `broker_user` binds an existing broker user the platform created (no password
        is returned then); otherwise ingestion creates `intake-<name>`."""
        name, sources = check_client(name, sources)
        request = self.door.new_id("client-")
        existing = self.clients.active(name)
        if existing and existing.get("request") == request:
            raise ValueError(f"client {name!r} was made by this same request, whose answer "
                             "was lost (its worker stopped before replying); its token is "
                             "never stored, so revoke the client and add it again")
        if existing:
            raise ValueError(f"client {name!r} exists: revoke it first")
        user = broker_user or broker_user_for(name)
        if self.clients.user_taken(user):
            raise ValueError(f"broker user {user!r} belongs to another client")
        uri = None
        if broker_user is not None and self.clients.deletions.is_pending(user):
            raise ValueError(f"broker user {user!r} of a revoked client or operator is "
                             "still to be deleted: choose another")
        if broker_user is None:
            api = broker_users.management_url(self.config)
            self.clients.deletions.clear_for(api, user)
            amqp = self.config.get("AMQP_URI", "")
            password = broker_users.create(api, user, broker_users.vhost_of(amqp))
            uri = broker_users.amqp_uri(amqp, user, password)
        token = new_token()
        self.clients.save({"_id": name, "sources": sources, "may_erase": bool(may_erase),
                           "token_hash": token_hash(token), "broker_user": user,
                           "managed_user": broker_user is None, "request": request,
                           "created_at": clock.now(), "revoked_at": None})
        return {"name": name, "token": token, "broker_user": user, "amqp_uri": uri}

    @rpc(role="admin")
    def clients_list(self) -> list[dict]:
        return self.clients.listing()

    @rpc(role="admin")
    def clients_revoke(self, name: str) -> dict:
        """Revoke the token at once and delete the broker user ingestion created (one the
        platform made stays, but its messages are refused as `unauthenticated`). Run
        again on a client whose broker user is still to be deleted, it retries that."""
        doc = self.clients.revoke(name) or self.clients.revoked_pending(name)
        if doc is None:
            raise ValueError(f"no active client named {name!r}")
        state = PLATFORM
        if doc.get("managed_user"):
            state = self.clients.deletions.finish(broker_users.management_url(self.config),
                                                  doc["broker_user"])
        return {"name": name, "broker_user": doc["broker_user"],
                "broker_user_deleted": state == DONE, "broker_user_deletion": state}

    @timer(interval=SWEEP_SECONDS)
    def broker_users_sweep(self) -> None:
        """Retry the deletions of revoked clients' and operators' broker users that the
        broker's management API did not take (quietly skipped while the database is
        down: the next tick tries again)."""
        try:
            left = self.clients.deletions.sweep(broker_users.management_url(self.config))
        except TRANSIENT:
            return
        metrics.UNDELETED_BROKER_USERS.set(left)


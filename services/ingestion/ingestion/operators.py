"""Operators: the people who run `crm`, each with a broker user, a role and a last day.

Ingestion owns them (`operators`, one document per name), as it owns the upstream
clients, and announces every change as `operator.changed`; every service keeps its own
copy of the grants from those events (common/grants.py) and judges its callers itself
(common/gate.py). The broker password is returned once and never stored.
"""
from __future__ import annotations

import logging
import time
from datetime import date

from nameko.timer import timer
from pymongo.database import Database

from common import clock
from common.mongo import MongoStore, in_transaction
from common.operators import BROKER_USER_PREFIX, Grant, check_operator
from common.rpcs import rpc
from contracts import names

from . import broker_users
from .user_deletions import DONE, UserDeletions

log = logging.getLogger(__name__)

class OperatorsStore:
    def __init__(self, db: Database):
        self.db = db
        self.operators = db["operators"]
        self.deletions = UserDeletions(db)

    def active(self, name: str, session=None) -> dict | None:
        return self.operators.find_one({"_id": name, "revoked_at": None}, session=session)

    def save(self, doc: dict, session=None) -> None:
        self.operators.replace_one({"_id": doc["_id"]}, doc, upsert=True, session=session)

    def revoke(self, name: str, version: int, session=None) -> dict | None:
        """The active operator as it was, now revoked; None if there was none (a read
        and a conditional update, not findAndModify)."""
        active = {"_id": name, "revoked_at": None}
        doc = self.operators.find_one(active, session=session)
        if doc is None or self.operators.update_one(active, {"$set": {
                "revoked_at": clock.now(), "version": version}},
                session=session).matched_count != 1:
            return None
        return doc

    def listing(self) -> list[dict]:
        return [_view(d) for d in self.operators.find().sort("_id", 1)]

    def every(self) -> list[dict]:
        return list(self.operators.find())


def _view(doc: dict) -> dict:
    return {"name": doc["_id"], "role": doc["role"], "until": doc.get("until"),
            "broker_user": doc["broker_user"], "created_at": doc["created_at"].isoformat(),
            "revoked_at": doc["revoked_at"].isoformat() if doc.get("revoked_at") else None,
            "version": doc["version"]}


def grant_of(doc: dict) -> Grant:
    """The grant an operator document stands for (revoked ones included)."""
    until = date.fromisoformat(doc["until"]) if doc.get("until") else None
    return Grant(doc["_id"], doc["broker_user"], doc["role"], until,
                 doc.get("revoked_at") is not None, int(doc["version"]))


def _version() -> int:
    return time.time_ns() // 1_000_000


class OperatorAdmin:
    """Mixin for the ingestion service: the RPCs behind `crm operators add|list|revoke`."""

    operators = MongoStore(OperatorsStore)

    @rpc(role="admin")
    def operators_add(self, name: str, role: str, until: str | None = None) -> dict:
        """Create an operator and its broker user; the broker URI is returned once."""
        name, role, last_day = check_operator(name, role, until)
        if self.operators.active(name):
            raise ValueError(f"operator {name!r} exists: revoke it first")
        user = BROKER_USER_PREFIX + name
        amqp = self.config.get("AMQP_URI", "")
        self.operators.deletions.clear_for(broker_users.management_url(self.config), user)
        password = broker_users.create(broker_users.management_url(self.config), user,
                                       broker_users.vhost_of(amqp), operator=True)
        grant = Grant(name, user, role, last_day, False, _version())
        doc = {"_id": name, "role": role, "broker_user": user,
               "until": last_day.isoformat() if last_day else None,
               "created_at": clock.now(), "revoked_at": None, "version": grant.version}
        def save(session) -> Grant:
            self.operators.save(doc, session)
            return grant
        self._announced(save)
        return {**_view(self.operators.active(name)),
                "amqp_uri": broker_users.amqp_uri(amqp, user, password),
                "expired": last_day is not None and last_day < clock.today()}

    @rpc(role="admin")
    def operators_list(self) -> list[dict]:
        return self.operators.listing()

    @rpc(role="admin")
    def operators_revoke(self, name: str) -> dict:
        """Refuse the operator everywhere and delete its broker user (RabbitMQ closes
        its connections at once). The deletion is recorded with the revoke and retried
        (user_deletions.py) until the broker's management API takes it."""
        version = _version()

        def revoke(session) -> Grant:
            doc = self.operators.revoke(name, version, session)
            if doc is None:
                raise ValueError(f"no active operator named {name!r}")
            self.operators.deletions.request(doc["broker_user"], f"operator:{name}", session)
            return grant_of({**doc, "revoked_at": clock.now(), "version": version})
        user = self._announced(revoke).broker_user
        state = self.operators.deletions.finish(broker_users.management_url(self.config),
                                                user)
        return {"name": name, "broker_user": user, "version": version,
                "broker_user_deleted": state == DONE, "broker_user_deletion": state}

    @timer(interval=3600, eager=True)
    def operators_reannounce(self) -> None:
        """Every grant again, at start and hourly. A service deployed after an operator
        was added (a new capability, a database restored from a backup) learns it from
        its own queue; services keep the newest version, so a repeat changes nothing."""
        try:
            docs = self.operators.every()
            stamp = clock.now().isoformat()
            for doc in docs:
                grant = grant_of(doc)
                self.events.stage(names.OPERATOR_CHANGED, grant.payload(),
                                  cause_id=f"operator:{grant.name}:announce:{stamp}",
                                  key=str(grant.version))
            self.events.publish_staged()  # a broker away: the outbox sweep sends them
        except Exception as exc:  # noqa: BLE001 - the database away: next hour
            log.warning("operator grants not announced again (%s): %s",
                        type(exc).__name__, exc)

    def _announced(self, write) -> Grant:
        """`write(session)`, which returns the grant it wrote, and the grant's
        `operator.changed` in one transaction, then published: written one
        after the other, a crash between them left the change unannounced, every
        service keeping the old grant, and a repeated call refused ("exists", "no
        active operator") until the hourly re-announcement."""
        def work(session) -> Grant:
            self.events.discard()
            announced = write(session)
            self.events.stage(names.OPERATOR_CHANGED, announced.payload(),
                              cause_id=f"operator:{announced.name}",
                              key=str(announced.version))
            self.events.persist_in(session)
            return announced
        announced = in_transaction(self.operators.db, work)
        self.events.publish_staged()
        return announced

"""Audit trail of personal-data access through the `crm` command.

Who exported or viewed personal data, when, and with which command is a record a bank
must keep (domain.md §7). Ingestion holds it because it is the door personal data
came in by; the trail itself holds no personal data: the actor, the command name and
its arguments (customer ids, reject ids, never field values).
"""
from __future__ import annotations

from datetime import datetime, timezone

from pymongo import DESCENDING
from pymongo.database import Database

from common.mongo import MongoStore
from common.rpcs import rpc

MAX_ARGUMENT_CHARS = 200
"""Arguments are ids and options; anything longer is cut so the trail stays small."""


class AuditStore:
    def __init__(self, db: Database):
        self.entries = db["audit"]

    def ensure_indexes(self) -> None:
        self.entries.create_index([("at", DESCENDING)])
        self.entries.create_index([("actor", DESCENDING), ("at", DESCENDING)])

    def record(self, actor: str, command: str, arguments: list[str]) -> str:
        entry = {"actor": actor[:MAX_ARGUMENT_CHARS], "command": command[:MAX_ARGUMENT_CHARS],
                 "arguments": [str(a)[:MAX_ARGUMENT_CHARS] for a in arguments[:50]],
                 "at": datetime.now(timezone.utc)}
        return str(self.entries.insert_one(entry).inserted_id)

    def listing(self, actor: str | None, limit: int) -> list[dict]:
        query = {"actor": actor} if actor else {}
        rows = self.entries.find(query).sort("at", DESCENDING).limit(max(1, min(limit, 10000)))
        return [{"id": str(r["_id"]), "actor": r["actor"], "command": r["command"],
                 "arguments": r.get("arguments", []), "at": r["at"].isoformat()} for r in rows]


class AuditTrail:
    """Mixin for the ingestion service: the two RPCs the `crm` command calls."""

    audit = MongoStore(AuditStore)

    @rpc
    def audit_record(self, actor: str, command: str, arguments: list[str]) -> str:
        """Called by `crm` before it shows personal data; it refuses to show any when
        this fails, so nothing is viewed unrecorded."""
        if not actor.strip() or not command.strip():
            raise ValueError("actor and command are required")
        return self.audit.record(actor.strip(), command.strip(), arguments)

    @rpc(role="admin")
    def audit_list(self, actor: str | None = None, limit: int = 1000) -> list[dict]:
        return self.audit.listing(actor, limit)

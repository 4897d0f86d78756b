"""The audit trail: who ran what through the services' RPCs, and who was refused.

Each service writes its own rows, in its own database, for every request it refused
and every request it served that touched personal data or changed something (an
officer's or admin's command). The row is written before the request runs (outcome
`started`) and given its outcome (`served`, `failed`) before the answer leaves: a
process that dies in between leaves `started`, never an action without a row, and
a request whose row cannot be written is not run. No caller can skip the trail, and
`crm audit list` merges the services' rows. A row holds ids and options, never
personal values: string arguments go through the free-text mask and long or
structured ones are summarised.
"""
from __future__ import annotations

from typing import Any, Mapping

from pymongo import DESCENDING
from pymongo.database import Database

from . import clock
from .pii import mask_text

MAX_CHARS = 200
CUSTOMER_ARGUMENTS = ("customer_id", "member", "customer_ids")


def summary(arguments: Mapping[str, Any]) -> dict:
    """Arguments as the trail may keep them."""
    kept: dict[str, Any] = {}
    for name, value in arguments.items():
        if isinstance(value, str):
            kept[name] = mask_text(value)[:MAX_CHARS]
        elif value is None or isinstance(value, (bool, int, float)):
            kept[name] = value
        elif isinstance(value, (list, tuple)):
            kept[name] = f"<{len(value)} items>"
        else:
            kept[name] = f"<{type(value).__name__}>"
    return kept


def customers(arguments: Mapping[str, Any]) -> list[str]:
    """The customers a request names."""
    found: list[str] = []
    for name in CUSTOMER_ARGUMENTS:
        value = arguments.get(name)
        if isinstance(value, str) and value:
            found.append(value)
        elif isinstance(value, list):
            found.extend(str(v) for v in value)
    return found


class AuditStore:
    def __init__(self, db: Database, service: str = ""):
        self.entries = db["audit"]
        self.service = service

    def ensure_indexes(self) -> None:
        self.entries.create_index([("at", DESCENDING)])
        self.entries.create_index([("actor", DESCENDING), ("at", DESCENDING)])

    def record(self, actor: str, role: str | None, command: str,
               arguments: Mapping[str, Any], outcome: str, reason: str = "") -> Any:
        """Insert a row -> its id (a request's row is written with `started` before
        the request runs, and given its outcome once it has: see `finish`)."""
        return self.entries.insert_one({
            "actor": actor[:MAX_CHARS], "role": role, "service": self.service,
            "command": command, "arguments": summary(arguments),
            "customers": customers(arguments)[:100], "outcome": outcome,
            "reason": reason[:MAX_CHARS], "at": clock.now()}).inserted_id

    def finish(self, row_id: Any, outcome: str) -> None:
        self.entries.update_one({"_id": row_id},
                                {"$set": {"outcome": outcome, "finished_at": clock.now()}})

    def listing(self, actor: str | None, limit: int, exclude: Any = None) -> list[dict]:
        query: dict = {"actor": actor} if actor else {}
        if exclude is not None:
            query["_id"] = {"$ne": exclude}
        rows = self.entries.find(query).sort("at", DESCENDING).limit(max(1, min(limit, 10000)))
        return [{"id": str(r["_id"]), "at": r["at"].isoformat(), "actor": r["actor"],
                 "role": r.get("role"), "service": r.get("service", self.service),
                 "command": r["command"], "customers": r.get("customers", []),
                 "arguments": r.get("arguments", {}), "outcome": r.get("outcome", "served"),
                 "reason": r.get("reason", "")} for r in rows]

"""Read-only answers for people and dashboards (explain, stats, export, gauges).

Kept apart from the write path so the storage class stays small; all of these are
aggregations the database does, never a scan into Python.
"""
from __future__ import annotations

from datetime import datetime

from .domain.sweep import Range


MOVE_FIELDS = ("scheme", "previous", "current", "direction", "rules_version")
# A history document holds its moves in `moves` (storage.py); a row of one move (an
# earlier version's, an erasure's removal) holds it at the top: both counted per move.
EACH_MOVE = [{"$unwind": {"path": "$moves", "preserveNullAndEmptyArrays": True}}]
MOVE = {field: {"$ifNull": [f"$moves.{field}", f"${field}"]} for field in ("scheme",
                                                                           "direction")}


class TieringQueries:
    """Mixed into TieringStore; expects `tiers` and `history` collections."""

    def export(self, scheme: str | None = None, skip: int = 0, limit: int = 5000) -> list[dict]:
        query = {"scheme": scheme} if scheme else {}
        rows = self.tiers.find(query, {"customer_id": 1, "scheme": 1, "tier": 1, "branch": 1})
        return [{"customer_id": r["customer_id"], "scheme": r["scheme"], "tier": r["tier"],
                 "branch": r.get("branch")} for r in rows.sort("_id", 1).skip(skip).limit(limit)]

    def explain(self, customer_id: str) -> dict:
        tiers = {t["scheme"]: {k: t.get(k) for k in ("tier", "reason", "rules_version",
                                                     "figures", "below_count", "branch")}
                 for t in self.tiers.find({"customer_id": customer_id})}
        history = [{k: move.get(k) for k in MOVE_FIELDS} | {
                       "reason": reason, "cause": h.get("cause"), "at": h["at"].isoformat()}
                   for h in self.history.find({"customer_id": customer_id}).sort("at", 1)
                   for move, reason in _moves_of(h)]
        merged = self.customers.find_one({"_id": customer_id},
                                         {"merged_into": 1, "erased": 1}) or {}
        return {"customer_id": customer_id, "tiers": tiers, "history": history,
                "merged_into": merged.get("merged_into"), "erased": bool(merged.get("erased"))}

    def stats(self, branch: str | None = None) -> list[dict]:
        match = {"branch": branch} if branch else {}
        pipeline = [{"$match": match},
                    {"$group": {"_id": {"scheme": "$scheme", "tier": "$tier"}, "count": {"$sum": 1}}}]
        return sorted(({"scheme": g["_id"]["scheme"], "tier": g["_id"]["tier"],
                        "customers": g["count"]} for g in self.tiers.aggregate(pipeline)),
                      key=lambda r: (r["scheme"], r["tier"]))

    def moves(self, since: datetime, branch: str | None = None) -> list[dict]:
        match: dict = {"at": {"$gte": since}}
        if branch:
            match["branch"] = branch
        pipeline = [{"$match": match}, *EACH_MOVE,
                    {"$group": {"_id": {"scheme": MOVE["scheme"],
                                        "direction": MOVE["direction"]},
                                "count": {"$sum": 1}}}]
        return sorted(({"scheme": g["_id"]["scheme"], "direction": g["_id"]["direction"],
                        "count": g["count"]} for g in self.history.aggregate(pipeline)),
                      key=lambda r: (r["scheme"], r["direction"]))

    def population(self, ids: Range = (None, None)) -> list[dict]:
        """Customers per scheme, tier and branch (the gauge behind the dashboard), of
        the customers whose ids are in [low, high) of `ids` (domain/sweep.py)."""
        pipeline = [{"$match": _in_range(ids)},
                    {"$group": {"_id": {"scheme": "$scheme", "tier": "$tier",
                                        "branch": "$branch"}, "count": {"$sum": 1}}}]
        return [{**g["_id"], "customers": g["count"]} for g in self.tiers.aggregate(pipeline)]

    def moves_by_branch(self, since: datetime, ids: Range = (None, None)) -> list[dict]:
        """Moves per scheme, branch and direction since `since` (for upgrade rates), of
        the customers whose ids are in `ids` (the index on customer_id and at serves it)."""
        pipeline = [{"$match": {**_in_range(ids), "at": {"$gte": since}}}, *EACH_MOVE,
                    {"$group": {"_id": {"scheme": MOVE["scheme"], "branch": "$branch",
                                        "direction": MOVE["direction"]},
                                "count": {"$sum": 1}}}]
        return [{**g["_id"], "count": g["count"]} for g in self.history.aggregate(pipeline)]


def _moves_of(row: dict) -> list[tuple[dict, str | None]]:
    """(move, reason) of a history row: each of a document's `moves` with its reason
    from the `reason` list (or the sealed text standing for all), or the row itself."""
    if "moves" not in row:
        return [(row, row.get("reason"))]
    reasons = row.get("reason")
    if not isinstance(reasons, list):
        reasons = [reasons] * len(row["moves"])
    return list(zip(row["moves"], reasons))


def _in_range(ids: Range) -> dict:
    low, high = ids
    bounds = {op: value for op, value in (("$gte", low), ("$lt", high)) if value is not None}
    return {"customer_id": bounds} if bounds else {}

"""Documents each customer adds to the services' collections during a run.

On the embedded database every stored document costs a fixed amount of Python work
(its index catalogue read, each index entry, the unique checks, the oplog), whatever
the batch it arrives in: round trips per customer are few (dbprofile), so the
documents per customer are what the databases' CPU follows. Counted from metadata
(no scan) before and after the run; documents that were only updated do not show.
"""
from __future__ import annotations

from pymongo.database import Database


def counts(dbs: dict[str, Database]) -> dict[str, int]:
    """database.collection -> documents (an estimate from metadata: no scan)."""
    return {f"{db.name}.{name}": db[name].estimated_document_count()
            for db in dbs.values() for name in db.list_collection_names()
            if not name.startswith("system.")}


def lines(before: dict[str, int], after: dict[str, int], customers: int) -> list[str]:
    """The collections that grew, most documents per customer first."""
    grown = {name: (n - before.get(name, 0)) / max(customers, 1) for name, n in after.items()
             if n - before.get(name, 0) > 0}
    if not grown:
        return []
    ranked = sorted(grown.items(), key=lambda kv: (-kv[1], kv[0]))
    return [f"Documents added per customer in that run: {sum(grown.values()):.1f} in all; "
            + ", ".join(f"{name} {per:.2f}" for name, per in ranked), ""]

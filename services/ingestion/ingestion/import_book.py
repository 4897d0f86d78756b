"""An import batch's bookkeeping: its counts, and the rejects a re-import clears.

A list owner gets the rejects of a batch back as a spreadsheet (`crm rejects export`),
fixes the rows and imports them again; a row accepted then is the answer to the open
reject of the same (source, external_id), so that reject is closed as `resolved`, in
the same transaction as the record. A reject that named no external id cannot be
matched that way: the exported file carries each row's `reject_id`, and `crm import`
sends it along (`answers`), so the accepted row closes that very reject.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from typing import Any

from bson import ObjectId

from common import clock

COUNTS = ("received", "accepted", "rejected", "unchanged")


def import_counts(results: list[dict]) -> dict:
    """An import chunk's counts ('created' and 'updated' rows count as accepted), the
    rejected rows by reason and the quality issues by field (an accepted row with a
    bad phone kept aside is one `phones` issue)."""
    counts: dict[str, Any] = {key: 0 for key in COUNTS}
    counts["received"] = len(results)
    reasons: Counter = Counter()
    quality: Counter = Counter()
    for result in results:
        status = result["status"]
        counts[status if status in ("rejected", "unchanged") else "accepted"] += 1
        if status == "rejected":
            reasons[result.get("reason") or "-"] += 1
        for item in result.get("quality") or []:
            quality[item.split(":", 1)[0]] += 1
    counts["reasons"], counts["quality"] = dict(reasons), dict(quality)
    return counts


def merge_counts(total: dict, chunk: dict) -> dict:
    """Add one chunk's counts (as `import_counts` gives them) into `total`."""
    for key in COUNTS:
        total[key] = total.get(key, 0) + chunk.get(key, 0)
    for key in ("reasons", "quality"):
        into = total.setdefault(key, {})
        for name, n in (chunk.get(key) or {}).items():
            into[name] = into.get(name, 0) + n
    return total


def batch_increments(counts: dict) -> dict:
    """The `$inc` of a batch document: the plain counts and one key per reason and per
    field (field paths keep their dots, so `financials.as_of` nests; `batch_view` reads
    them back flat)."""
    inc = {key: counts.get(key, 0) for key in COUNTS}
    for key in ("reasons", "quality"):
        inc.update({f"{key}.{name}": n for name, n in (counts.get(key) or {}).items()})
    return inc


def flatten(tree: dict, prefix: str = "") -> dict:
    """{'financials': {'as_of': 2}} -> {'financials.as_of': 2}."""
    flat: dict = {}
    for key, value in tree.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        flat.update(flatten(value, path) if isinstance(value, dict) else {path: value})
    return flat


def accepted_keys(raws: list[Any], results: list[dict]) -> dict[str, set[str]]:
    """source -> external ids of the rows accepted (or unchanged), read from the record
    id `source:external_id` the pipeline gave them (the id as stored, normalised)."""
    keys: dict[str, set[str]] = defaultdict(set)
    for raw, result in zip(raws, results):
        source = raw.get("source") if isinstance(raw, dict) else None
        record_id = result.get("record_id") or ""
        if result["status"] != "rejected" and isinstance(source, str) \
                and record_id.startswith(source + ":"):
            keys[source].add(record_id[len(source) + 1:])
    return keys


def resolve_rejects(rejects: Any, keys: dict[str, set[str]], batch_id: str,
                    session=None) -> int:
    """Close the open rejects these accepted keys answer; how many were closed.

    They are found by their key alone and the open ones kept here, then closed by id.
    With `status` in the same filter, SecantusDB read every open reject through the
    status index: 0.5 s for one key among 20,000 open rejects, 22 s for a chunk of 300,
    and in a CI run whose fuzz test had left about 100,000 open rejects, import chunks
    outlived their transactions. The (source, external_id) index answers the same in
    milliseconds."""
    open_ids = [row["_id"] for source, ids in keys.items()
                for row in rejects.find({"source": source, "external_id": {"$in": sorted(ids)}},
                                        {"status": 1}, session=session)
                if row.get("status") == "open"]
    return _resolve(rejects, {"_id": {"$in": open_ids}}, batch_id, session) if open_ids else 0


def _resolve(rejects: Any, query: dict, batch_id: str, session) -> int:
    """Close the open rejects `query` names as answered by this import batch."""
    return rejects.update_many(
        {**query, "status": "open"},
        {"$set": {"status": "resolved", "closed_at": clock.now(),
                  "resolved_by_batch": batch_id}}, session=session).modified_count


def answered_ids(rows: list, results: list[dict], answers: dict) -> list[ObjectId]:
    """The rejects named by `answers` (row number as text -> reject id) whose row was
    accepted (or unchanged); ids that are not ObjectIds are ignored."""
    ids = []
    for row, result in zip(rows, results):
        reject_id = answers.get(str(row))
        if result["status"] != "rejected" and isinstance(reject_id, str) and ObjectId.is_valid(reject_id):
            ids.append(ObjectId(reject_id))
    return ids


def resolve_answered(rejects: Any, rows: list, results: list[dict], answers: dict,
                     batch_id: str, session=None) -> int:
    """Close the open rejects these accepted rows are the fixed versions of."""
    ids = answered_ids(rows, results, answers)
    return _resolve(rejects, {"_id": {"$in": ids}}, batch_id, session) if ids else 0


def chunk_key(batch_id: str, rows: list, answers: dict) -> str:
    """What names one chunk of an import: its batch and a digest of its rows and
    answers. An RPC whose worker died after the commit and before the reply is run
    again (redelivered, or re-sent by the caller); the key lets it answer what the
    first run committed instead of counting the rows and keeping their rejects twice."""
    text = json.dumps([rows, answers], sort_keys=True, default=str)  # escaped: any str
    return f"{batch_id}:{hashlib.sha256(text.encode()).hexdigest()[:32]}"


class ChunkDone(Exception):
    """The chunk committed before: its unit of work is undone, its first answer given."""

    def __init__(self, counts: dict) -> None:
        super().__init__("import chunk committed before")
        self.counts = counts

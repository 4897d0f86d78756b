"""Deciding a whole array of intake records at once, with the outcomes of one by one.

Pure: it gets the stored state of every (source, external_id) the array names (one
read) and returns, per input, the outcome one record at a time in array order would
have had (created, updated, unchanged or erased), plus the final write per key. A key named twice
is decided against the state the earlier one left (the later wins), so each version
keeps its own `customer.ingested` event and the store ends as after one by one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .erasure import ERASED_ERROR, ERASED_REASON
from .intake import Accepted

Key = tuple[str, str]
MAX_HISTORY = 20  # replaced-at marks kept per record (the newest)


@dataclass(frozen=True)
class Decision:
    """What one accepted record became: created/updated/unchanged/erased, at version."""
    status: str
    version: int


@dataclass
class Write:
    """The final state of one key after the batch. `base` is the stored row it
    replaces (compare-and-set on its version and hash), None for an insert;
    `replaced` counts versions superseded in this batch (history marks)."""
    key: Key
    record_id: str
    doc: dict
    version: int
    replaced: int
    base: dict | None


@dataclass
class RecordPlan:
    decisions: list[Decision | None]  # per input; None where the input was rejected
    writes: list[Write]


def record_key(accepted: Accepted) -> Key:
    return accepted.stored["source"], accepted.stored["external_id"]


def raw_key(raw: Any) -> Key | None:
    """The (source, external_id) an unusable input names, as `_reject` reads it: only
    non-empty strings count (the erased check and the reject's own fields)."""
    if not isinstance(raw, dict):
        return None
    source, external_id = raw.get("source"), raw.get("external_id")
    if isinstance(source, str) and source and isinstance(external_id, str) and external_id:
        return source, external_id
    return None


def loose_key(raw: Any) -> tuple[str | None, str | None]:
    """A reject's own (source, external_id) fields: each kept when it is non-empty text."""
    if not isinstance(raw, dict):
        return None, None
    return tuple(v if isinstance(v, str) and v else None
                 for v in (raw.get("source"), raw.get("external_id")))


def plan_records(items: list[Accepted | None], stored: dict[Key, dict]) -> RecordPlan:
    """Decide every accepted record (None: rejected input) against `stored`
    (key -> {_id, version, content_hash, erased}) and the earlier ones of the batch."""
    seen: dict[Key, dict] = {}
    writes: dict[Key, Write] = {}
    decisions: list[Decision | None] = []
    for item in items:
        if item is None:
            decisions.append(None)
            continue
        key, doc = record_key(item), item.stored
        current = seen.get(key, stored.get(key))
        if current is None:
            decision = Decision("created", 1)
            writes[key] = Write(key, item.record_id, doc, 1, 0, None)
        elif current.get("erased"):
            decision = Decision("erased", current.get("version") or 0)
        elif current.get("content_hash") == doc["content_hash"]:
            decision = Decision("unchanged", current.get("version") or 0)
        else:
            decision = Decision("updated", (current.get("version") or 0) + 1)
            earlier = writes.get(key)
            writes[key] = Write(key, item.record_id, doc, decision.version,
                                (earlier.replaced if earlier else 0) + 1,
                                earlier.base if earlier else stored.get(key))
        decisions.append(decision)
        if decision.status != "erased":
            seen[key] = {"version": decision.version, "content_hash": doc["content_hash"]}
    return RecordPlan(decisions, list(writes.values()))


def reject_terms(reason: str, errors: list[str], named: Key | None,
                 stored: dict[Key, dict]) -> tuple[str, list[str], bool]:
    """(reason, errors, keep the raw input) for an unusable input: one naming an erased
    (source, external_id) keeps nothing of the input but its key, whatever else was
    wrong with it."""
    if reason == ERASED_REASON or (named is not None and (stored.get(named) or {}).get("erased")):
        return ERASED_REASON, [ERASED_ERROR], False
    return reason, errors, True

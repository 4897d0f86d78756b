"""`crm import FILE --dry-run`: judge an import's rows as the import would, keeping nothing.

Every row goes through the same pure pipeline (`handlers.judge`) and is decided
against the stored records with the same rule (`domain.bulk.plan_records`), so the
counts equal those of the real import that follows. Nothing is written, staged or
published: no batch, no record, no reject, no event. A file is checked in chunks;
`carry` hands the state the earlier chunks left (the keys they would have written)
to the next one, so a row repeated across chunks is 'unchanged' or 'updated' as in
the import.
"""
from __future__ import annotations

from typing import Any

from .bulk_store import record_states
from .domain.bulk import plan_records, raw_key, record_key, reject_terms
from .domain.erasure import ERASED_REASON
from .domain.intake import Accepted
from .handlers import Entry, accepted_result, judge

Carry = list[list]  # [source, external_id, version, content_hash] per key decided so far


def check_rows(records: Any, pipeline: Any, rows: list, carry: Carry | None) -> dict:
    """rows are (row_number, record | error text) as `import_rows` takes them ->
    {"results": one per row (row, status, reason, errors, quality), "carry": ...}."""
    entries = [Entry(raw, None, number, unreadable=isinstance(raw, str)) for number, raw in rows]
    outcomes = [judge(pipeline, entry) for entry in entries]
    accepted = [o if isinstance(o, Accepted) else None for o in outcomes]
    named = [None if e.unreadable else raw_key(e.raw) for e in entries]
    keys = {record_key(a) for a in accepted if a} | {k for k in named if k}
    stored = record_states(records, keys)
    stored.update({(s, e): {"version": v, "content_hash": h} for s, e, v, h in carry or []})
    plan = plan_records(accepted, stored)
    results = []
    for i, entry in enumerate(entries):
        decision = plan.decisions[i]
        if decision is not None and decision.status != "erased":
            result = accepted_result(accepted[i], decision.status)
        else:
            reason, errors = (ERASED_REASON, []) if decision else (outcomes[i].reason, outcomes[i].errors)
            reason, errors, _ = reject_terms(reason, errors, named[i], stored)
            result = {"status": "rejected", "reason": reason, "errors": errors}
        results.append({"row": entry.row, **result})
    return {"results": results, "carry": _carry(stored, accepted, plan.decisions)}


def _carry(stored: dict, accepted: list, decisions: list) -> Carry:
    """The carried keys plus those this chunk decided, at their new version."""
    state = {key: value for key, value in stored.items() if "_id" not in value}
    for item, decision in zip(accepted, decisions):
        if item is not None and decision is not None and decision.status != "erased":
            state[record_key(item)] = {"version": decision.version,
                                       "content_hash": item.stored["content_hash"]}
    return [[s, e, v["version"], v["content_hash"]] for (s, e), v in state.items()]

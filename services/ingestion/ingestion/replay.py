"""Replaying rejects: the stored raw input, optionally corrected, through the pipeline.

Kept apart from service.py so the entry point stays thin. A replay never creates
a new reject: the original stays open (with the latest reason) until the record
is accepted, so an operator can try again with other corrections.
"""
from __future__ import annotations

import json
import logging
from typing import Any

from . import metrics
from .domain.repair import CorrectionError, apply_corrections
from .erasure import request_erasures
from .handlers import Entry, ingest_batch
from .intake_auth import ERASE_NOT_ALLOWED, SOURCE_NOT_ALLOWED, UNAUTHENTICATED

# An input refused for its sender stays refused: a replay would accept it on nobody's
# authority. The client sends it again once it may.
REFUSED_SENDER = (UNAUTHENTICATED, SOURCE_NOT_ALLOWED, ERASE_NOT_ALLOWED)

log = logging.getLogger(__name__)


def replay_rejects(service: Any, reject_id: str | None,
                   corrections: dict | None = None) -> dict:
    """Re-run one open reject (or all) -> counts and per-reject results."""
    if corrections and not reject_id:
        raise ValueError("corrections apply to one reject: give its id")
    outcome: dict = {"accepted": 0, "still_rejected": 0, "results": []}
    rejects = service.store.open_rejects(reject_id)
    if reject_id and not rejects:
        raise LookupError(f"no open reject {reject_id}")
    for reject in rejects:
        result = _replay_one(service, reject, corrections)
        accepted = result["status"] != "rejected"
        outcome["accepted" if accepted else "still_rejected"] += 1
        metrics.REPLAYED.labels("accepted" if accepted else "still_rejected").inc()
        outcome["results"].append({"id": str(reject["_id"]), **result})
    return outcome


def _replay_one(service: Any, reject: dict, corrections: dict | None) -> dict:
    if reject.get("reason") in REFUSED_SENDER:
        return {"status": "rejected", "reason": reject["reason"],
                "errors": ["refused for its sender: an allowed client must send it again"]}
    if not reject.get("raw"):  # an input refused for an erased customer: nothing kept
        result = {"status": "rejected", "reason": reject["reason"],
                  "errors": ["nothing of this input was stored; it cannot be replayed"]}
        service.store.note_replay(reject["_id"], result)
        return result
    try:
        raw = json.loads(service.pipeline.open_raw(reject["raw"]))
    except ValueError:
        result = {"status": "rejected", "reason": "undecodable",
                  "errors": ["the stored input is not JSON; it cannot be replayed"]}
        service.store.note_replay(reject["_id"], result)
        return result
    try:
        raw = apply_corrections(raw, corrections)
    except CorrectionError as exc:
        return {"status": "rejected", "reason": "bad_correction", "errors": [str(exc)]}
    def settle(results: list[dict], session) -> None:
        """The reject's fate, in the replay's unit of work: a record accepted and its
        reject left open (a crash between two writes) would be replayed again."""
        if results[0]["status"] == "rejected":
            service.store.note_replay(reject["_id"], results[0], session)
        else:
            service.store.close_reject(reject["_id"], "replayed", session,
                                       record_id=results[0]["record_id"],
                                       corrected=sorted(corrections or {}))
    if reject.get("channel") == "erase":  # an erasure request, not a record
        [result] = request_erasures(service.store, service.events, service.pipeline, [raw],
                                    replay=True, extra=settle)
    else:
        [result] = ingest_batch(service.store, service.events, service.pipeline,
                                [Entry(raw)], "replay", replay=True, extra=settle)
    if result["status"] != "rejected":
        log.info("reject %s replayed as %s", reject["_id"], result["status"])
    return result

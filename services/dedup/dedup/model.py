"""Dedup's learned-model RPCs: train a Fellegi-Sunter model on the pool, show it.

`crm dedup train` calls :meth:`ModelRpcs.train`: the member records of the active
customers are read, the model is learned without labels
(:func:`dedup.domain.training.train`: u from random pairs, m by EM over blocked
pairs, term frequencies) and stored as a new parameter version
(:mod:`dedup.model_store`); placement uses the newest version from its next batch
on. `crm dedup params` calls :meth:`ModelRpcs.params`: the match weight of every
comparison level (or the hand-set weights while no model was trained).
"""
from __future__ import annotations

import logging
from typing import Any, Mapping

from eventlet import tpool

from common.rpcs import rpc

from .domain.fellegi_sunter import weights_chart
from .domain.training import train
from .model_store import ModelStore

log = logging.getLogger(__name__)
RECORD_FIELDS = ("kind", "name", "birth_date", "national_id_bi", "phone_bis", "email_bis",
                 "address_bi", "street_bi", "postcode", "city")
MAX_RECORDS = 200_000
MAX_SAMPLE = 2_000_000


def pool_records(db: Any, limit: int = MAX_RECORDS) -> list[dict]:
    """The member records of the active customers (only the compared fields)."""
    projection = {f"member_records.{f}": 1 for f in RECORD_FIELDS}
    out: list[dict] = []
    for doc in db["customers"].find({"active": True}, projection):
        for member in doc.get("member_records") or []:
            if (member.get("kind") or "person") == "person":
                out.append(member)
        if len(out) >= limit:
            break
    return out[:limit]


def _whole(value: Any, what: str) -> int:
    """An RPC argument that must be a whole number (a ValueError names it otherwise)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"{what} must be a whole number")
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{what} must be a whole number") from None


def _evidence(matchers: list) -> Any:
    name = next((m for m in matchers if m.name == "name"), None)
    return lambda a, b: {"name": name.score(a, b) if name else None}


def _hand_chart(params: Mapping[str, Any]) -> list[dict]:
    rows = [{"comparison": "prior", "level": "prior", "weight": params["prior"]}]
    for name, w in params["weights"].items():
        rows += [{"comparison": name, "level": "agree", "weight": w.get("agree")},
                 {"comparison": name, "level": "disagree", "weight": w.get("disagree")}]
    return rows


class ModelRpcs:
    """Mixed into DedupService (which provides `store` and `matching`)."""

    @rpc(role="admin")
    def train(self, sample: int = 20000, trained_by: str = "") -> dict:
        """Learn a model from the current pool and store it as the newest version.
        `trained_by` is accepted for old callers and ignored: the version records the
        operator the gate admitted."""
        sample = _whole(sample, "sample")
        if not isinstance(trained_by, str):
            raise ValueError("trained_by must be text")
        if not 100 <= sample <= MAX_SAMPLE:
            raise ValueError(f"train: --sample must be 100 to {MAX_SAMPLE} random pairs")
        records = pool_records(self.store.db)
        if len(records) < 2:
            raise ValueError("train: the pool holds fewer than two person records")
        model = tpool.execute(train, records, _evidence(self.matching.matchers), sample)
        # who trained it is the authenticated operator (common/gate.py), not an argument
        version = ModelStore(self.store.db).add(model, self.door.grant.name)
        log.info("trained match parameters version %d on %d records", version, len(records))
        return {"version": version, "lambda": model["lambda"], **model["training"]}

    @rpc(role="viewer")
    def params(self, version: int = 0) -> dict:
        """The parameters in use (or a given version): match weight per level."""
        version = _whole(version, "version")
        models = ModelStore(self.store.db)
        doc = models.get(version) if version else models.newest()
        if version and not doc:
            raise ValueError(f"no parameter version {version}")
        p = self.matching.params
        thresholds = {"match_probability": p["match_probability"],
                      "review_probability": p["review_probability"]}
        if not doc:
            return {"version": 0, "learned": False,
                    "thresholds": {"match_threshold": p["match_threshold"],
                                   "possible_threshold": p["possible_threshold"]},
                    "weights": _hand_chart(p)}
        return {"version": doc["_id"], "learned": True, "newest": models.newest_version(),
                "trained_at": doc["trained_at"].isoformat(), "trained_by": doc.get("trained_by"),
                "training": doc.get("training") or {}, "lambda": doc["lambda"],
                "thresholds": thresholds, "weights": weights_chart(doc)}

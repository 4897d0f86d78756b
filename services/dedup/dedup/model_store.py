"""Learned match parameters, stored versioned in dedup's database (`match_params`).

Every training writes a new version (_id = version number, never updated), so a
decision can always be traced to the parameters that took it and a bad model is
retired by training again, not by editing. Placement reads the newest version once
per batch: one small query for the version number, the full document only when it
changed (:class:`NewestParams`). Without any version the hand-set parameters of
config.yaml apply (version 0).
"""
from __future__ import annotations

import threading
from typing import Any, Callable, Mapping

from pymongo import DESCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from common import clock

COLLECTION = "match_params"


class ModelStore:
    def __init__(self, db: Database):
        self.params = db[COLLECTION]

    def newest_version(self) -> int:
        row = self.params.find_one({}, {"_id": 1}, sort=[("_id", DESCENDING)])
        return int(row["_id"]) if row else 0

    def get(self, version: int) -> dict | None:
        return self.params.find_one({"_id": int(version)})

    def newest(self) -> dict | None:
        return self.params.find_one({}, sort=[("_id", DESCENDING)])

    def versions(self) -> list[dict]:
        return list(self.params.find({}, {"_id": 1, "trained_at": 1, "training": 1})
                    .sort("_id", 1))

    def add(self, model: Mapping[str, Any], trained_by: str = "") -> int:
        """Store ``model`` as the next version; a concurrent training taking the same
        number makes this one take the following."""
        for _ in range(20):
            version = self.newest_version() + 1
            try:
                self.params.insert_one({**model, "_id": version, "version": version,
                                        "trained_by": trained_by,
                                        "trained_at": clock.now()})
                return version
            except DuplicateKeyError:
                continue
        raise RuntimeError("could not store the parameters: versions kept colliding")


class NewestParams:
    """The scoring params with the newest model, cached per version (per process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version = 0
        self._model: dict | None = None

    def current(self, store: ModelStore, base: Mapping[str, Any],
                merge: Callable[[Mapping[str, Any], dict | None, int], dict]) -> dict:
        version = store.newest_version()
        with self._lock:
            if version != self._version:
                self._model = store.get(version) if version else None
                self._version = version if self._model else 0
            return merge(base, self._model, self._version)

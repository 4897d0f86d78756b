"""Bad inputs of a redelivered message, kept once.

The broker redelivers a message whose acknowledgement it never got, and the worker
may have died after the message's batch committed. Its records decide again from
what is stored ('unchanged'), but a reject has no key of its own to be found by: the
bad inputs were kept twice. Each reject of a broker channel therefore keeps
`input_digest`, a keyed digest of the input as it arrived (keyed: it reveals nothing
of the input; the erasure seal drops it with the input). For the inputs of a
redelivered message only, the open rejects with the same digest are read in the
unit of work, and an input one of them stands for is not kept again.

Only for redelivered messages: keyed always, two identical bad sends weeks apart
would be one reject, and once it was replayed the second would be gone. Only open
rejects: a skipped input always has an open reject of the same content that stands
for it, so nothing is lost, even when the first delivery had in fact not committed.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any, Iterable

from bson import ObjectId
from pymongo.collection import Collection

BROKER_CHANNELS = ("amqp", "erase")  # the channels whose messages can be redelivered


@dataclass(frozen=True)
class Origin:
    """Where an input of a broker message (or an HTTP request) came from: whether the
    broker redelivered the message, and which delivery and place in it (the n-th record
    of an array) it has."""
    again: bool = False
    delivery: str | None = None
    index: int = 0

    def at(self, index: int) -> "Origin":
        return replace(self, index=index)

    @property
    def reject_id(self) -> ObjectId | None:
        """The id of this input's reject in every run of its delivery: the delivery id's
        time, then 8 bytes of a hash of the delivery id and the place (None: unnamed)."""
        if self.delivery is None or not ObjectId.is_valid(self.delivery):
            return None
        tail = hashlib.sha256(f"{self.delivery}:{self.index}".encode()).digest()[:8]
        return ObjectId(ObjectId(self.delivery).binary[:4] + tail)


class KeptBefore:
    """The rejects that stand for inputs run before: by id, those an earlier run of the
    same delivery kept; by digest, the open ones that stand for a redelivered message's
    inputs, each taken once (a message with the same bad input twice kept two)."""

    def __init__(self, ids_by_digest: dict[str, list[Any]] | None = None,
                 existing: Iterable[Any] = ()) -> None:
        self._ids = {digest: sorted(ids) for digest, ids in (ids_by_digest or {}).items()}
        self._existing = set(existing)

    @classmethod
    def read(cls, rejects: Collection, channel: str, digests: Iterable[str | None],
             session=None, planned: Iterable[ObjectId | None] = ()) -> "KeptBefore":
        """One read by digest (its index) and one by the planned ids (`_id`); status and
        channel are checked here, since a filter on `status` lets SecantusDB read every
        open reject through that index."""
        wanted = sorted({d for d in digests if d})
        found: dict[str, list[Any]] = defaultdict(list)
        if wanted:
            for row in rejects.find({"input_digest": {"$in": wanted}},
                                    {"input_digest": 1, "status": 1, "channel": 1},
                                    session=session):
                if row.get("status") == "open" and row.get("channel") == channel:
                    found[row["input_digest"]].append(row["_id"])
        ids = sorted({i for i in planned if i is not None})
        existing = [row["_id"] for row in rejects.find({"_id": {"$in": ids}}, {"_id": 1},
                                                       session=session)] if ids else []
        return cls(found, existing)

    def kept(self, reject_id: ObjectId | None) -> bool:
        """Whether an earlier run of the same delivery kept this planned reject."""
        return reject_id is not None and reject_id in self._existing

    def take(self, digest: str | None) -> Any | None:
        """The id of a reject kept before for this input (then spent), else None."""
        ids = self._ids.get(digest) if digest else None
        return ids.pop(0) if ids else None

    def stands_for(self, planned: ObjectId | None, again: bool,
                   digest: str | None) -> Any | None:
        """The id of the reject kept before for an input: its planned one when an
        earlier run of its delivery kept it, else (redelivered) one with its digest."""
        if self.kept(planned):
            return planned
        return self.take(digest) if again else None

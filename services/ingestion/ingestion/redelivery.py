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

from collections import defaultdict
from typing import Any, Iterable

from pymongo.collection import Collection

BROKER_CHANNELS = ("amqp", "erase")  # the channels whose messages can be redelivered


class KeptBefore:
    """The open rejects that stand for a redelivered message's inputs, each taken once:
    a message with the same bad input twice kept two rejects and is answered by two."""

    def __init__(self, ids_by_digest: dict[str, list[Any]] | None = None) -> None:
        self._ids = {digest: sorted(ids) for digest, ids in (ids_by_digest or {}).items()}

    @classmethod
    def read(cls, rejects: Collection, channel: str, digests: Iterable[str | None],
             session=None) -> "KeptBefore":
        """One read by digest (its index); status and channel are checked here, since a
        filter on `status` lets SecantusDB read every open reject through that index."""
        wanted = sorted({d for d in digests if d})
        found: dict[str, list[Any]] = defaultdict(list)
        if wanted:
            for row in rejects.find({"input_digest": {"$in": wanted}},
                                    {"input_digest": 1, "status": 1, "channel": 1},
                                    session=session):
                if row.get("status") == "open" and row.get("channel") == channel:
                    found[row["input_digest"]].append(row["_id"])
        return cls(found)

    def take(self, digest: str | None) -> Any | None:
        """The id of a reject kept before for this input (then spent), else None."""
        ids = self._ids.get(digest) if digest else None
        return ids.pop(0) if ids else None


class Runs:
    """Counts the runs of one unit of work (see the module's docstring)."""

    def __init__(self) -> None:
        self.count = 0

    def again(self) -> bool:
        """Count a run -> whether an earlier run may have committed (this is not the first)."""
        self.count += 1
        return self.count > 1

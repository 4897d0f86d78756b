"""Erasure in the read model (pure): the customer stays in the figures, as nobody.

Every fact of the erased customer and of the ids merged into it is re-keyed to a fresh
random id (one per original id, so the restated history still reads the same), the
merge facts' links are re-keyed alike, and an exit fact closes the anonymous history
(the customer left the bank when erased). Nothing left links the figures to the
person: the new ids are random, not derived, and the old ones are kept only in the
erasure tombstone (ids only, as every service keeps), which turns away late events.
"""
from __future__ import annotations

import uuid
from typing import Any, Iterable, Mapping

from . import facts as factlib

Fact = dict[str, Any]


def anonymous_ids(ids: Iterable[str]) -> dict[str, str]:
    """Original id -> a random anonymous id (`anon-...`)."""
    return {cid: f"anon-{uuid.uuid4().hex[:16]}" for cid in dict.fromkeys(ids)}


def rekeyed(fact: Mapping[str, Any], ids: Mapping[str, str]) -> Fact:
    """The fact under the anonymous ids (unchanged if it names none of them)."""
    out = dict(fact)
    out["customer_id"] = ids.get(out["customer_id"], out["customer_id"])
    if "absorbed_ids" in out:
        out["absorbed_ids"] = [ids.get(i, i) for i in out["absorbed_ids"]]
    if out.get("merged_into"):
        out["merged_into"] = ids.get(out["merged_into"], out["merged_into"])
    return out


def exit_fact(ids: Mapping[str, str], customer_id: str, event: Mapping[str, Any]) -> Fact:
    """The exit of the anonymous customer that the erased golden customer became."""
    return factlib.erased_exit(ids[customer_id], event["event_id"], event["erased_at"])

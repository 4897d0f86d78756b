"""Reading the outbox's stored events in tests (common.outbox_store's pass documents)."""
from __future__ import annotations

from common.outbox_store import PassStore, events_of, pending_of


def stored_event(collection, event_id: str) -> tuple[dict, bool]:
    """(body, still pending) of one stored event (its pass found by its keys, as the
    outbox finds it)."""
    found = PassStore(collection).find_about({"event_ids": event_id})
    doc = found[0] if found else collection.find_one({"_id": event_id})
    event = next(e for e in events_of(doc) if e["_id"] == event_id)
    return event["body"], any(e["_id"] == event_id for e in pending_of(doc))


def sent_bodies(collection) -> list[dict]:
    """The bodies of every event published (not pending) so far."""
    out = []
    for doc in collection.find():
        waiting = {e["_id"] for e in pending_of(doc)}
        out += [e["body"] for e in events_of(doc) if e["_id"] not in waiting]
    return out

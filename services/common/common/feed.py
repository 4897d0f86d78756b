"""What one publish pass sends: each event on its own, and the pipeline's batch messages.

Each event goes out alone under its event type (and its selection keys): the public
stream, which outside subscribers bind to, published without `mandatory` because an
event nobody outside listens to yet is normal (except the few types the pipeline itself
consumes one by one, contracts.subscriptions.ONE_BY_ONE). The pipeline's own services
bind the batch keys instead (contracts.batches): for every other event type a pipeline
service consumes (contracts.subscriptions), the pass also sends one batch message of
its events of that type, in order (up to contracts.batches.MAX_EVENTS per message),
with `mandatory=True`, so a missing pipeline queue is detected as before (the batch
message comes back and its events stay pending).

An outbox row counts as sent only when both its own message and its batch message were
confirmed and routed: otherwise it stays pending and the sweep publishes it again (both
messages; subscribers deduplicate on `event_id`).
"""
from __future__ import annotations

import uuid
from typing import Any, Callable, Iterable

from contracts.batches import MAX_EVENTS, batch_key, batch_message
from contracts.selection import selection_keys
from contracts.subscriptions import in_batches, must_be_routed

from .confirms import Outcome, Outgoing
from .pii import mask_event


Encode = Callable[[Any], str]


def outgoing(rows: Iterable[dict], encode: Encode | None = None
             ) -> tuple[list[Outgoing], dict[str, list[str]]]:
    """(the messages of a pass, {batch message id: the row ids it carries}) for outbox
    rows `{_id, type, body}` in publish order. Each body is masked once (common.pii,
    80 us for a `tier.changed`), for its own message and its batch message alike.

    With `encode` (the publisher's JSON encoder), each event is also encoded once: its
    own message carries the text, and its batch message is the texts of its events
    joined into the batch body, which then is not encoded again (the JSON encoding was
    the publishers' largest single cost, every event encoded twice)."""
    rows = list(rows)
    masked = [mask_event(row["type"], row["body"]) for row in rows]  # once for both
    texts = [encode(body) for body in masked] if encode else [None] * len(rows)
    singles = [Outgoing(row["_id"], row["type"], body,
                        selection=selection_keys(row["type"], row["body"]),
                        mandatory=must_be_routed(row["type"]) and not in_batches(row["type"]),
                        masked=True, text=text)
               for row, body, text in zip(rows, masked, texts)]
    by_type: dict[str, list[tuple[str, dict, str | None]]] = {}
    for row, body, text in zip(rows, masked, texts):
        if in_batches(row["type"]):
            by_type.setdefault(row["type"], []).append((row["_id"], body, text))
    batches, carried = [], {}
    for event_type, group in by_type.items():
        for start in range(0, len(group), MAX_EVENTS):
            chunk = group[start:start + MAX_EVENTS]
            message_id = f"batch-{uuid.uuid4()}"
            carried[message_id] = [row_id for row_id, _, _ in chunk]
            body = batch_message(event_type, [event for _, event, _ in chunk])
            text = batch_text(event_type, [t for _, _, t in chunk], encode) \
                if encode else None
            batches.append(Outgoing(message_id, batch_key(event_type), body, mandatory=True,
                                    masked=True, text=text))
    return singles + batches, carried


def batch_text(event_type: str, event_texts: list[str], encode: Encode) -> str:
    """A batch message's JSON from its events' JSON: what `encode(batch_message(...))`
    gives, without encoding the events again."""
    return f'{{"batch_of": {encode(event_type)}, "events": [{", ".join(event_texts)}]}}'


def per_row(outcome: Outcome, carried: dict[str, list[str]]) -> Outcome:
    """The outcome by outbox row: a row whose batch message came back is returned, one
    whose own message or batch message failed is failed; the rest were delivered."""
    def rows_of(ids: list[str]) -> list[str]:
        return [row for i in ids for row in (carried[i] if i in carried else [i])]

    returned = list(dict.fromkeys(rows_of(outcome.returned)))
    failed = [r for r in dict.fromkeys(rows_of(outcome.failed)) if r not in returned]
    settled = {*returned, *failed}
    delivered = [r for r in outcome.delivered if r not in carried and r not in settled]
    return Outcome(delivered=delivered, returned=returned, failed=failed, error=outcome.error)

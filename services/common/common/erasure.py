"""Reading a `customer.erased` event the same way in every service (pure)."""
from __future__ import annotations

from datetime import datetime
from typing import Iterable


def person_ids(customer_id: str, absorbed_ids: Iterable[str] = ()) -> list[str]:
    """The golden id and every id merged into it, once each, in event order.

    An absorbed id may still hold data (a merge and an erasure can race), so every
    id of the person is sealed, not only the survivor."""
    seen: dict[str, None] = {}
    for cid in (customer_id, *absorbed_ids):
        if cid:
            seen.setdefault(cid, None)
    return list(seen)


def erased_time(text: str | None, fallback: datetime) -> datetime:
    """The event's `erased_at` as a datetime (stored like every other timestamp); the
    handling time when it is missing or unreadable, so sealing never stalls on it."""
    try:
        parsed = datetime.fromisoformat(text or "")
    except ValueError:
        return fallback
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=fallback.tzinfo)


def read_erased(payload: dict, now: datetime) -> tuple[dict, list[str], datetime]:
    """(the validated event, the person's ids, when it was erased): what every
    service's `customer.erased` handler starts from."""
    from contracts import names
    from contracts.schemas import load_event

    event = load_event(names.CUSTOMER_ERASED, payload)
    return (event, person_ids(event["customer_id"], event["absorbed_ids"]),
            erased_time(event["erased_at"], now))

"""A campaign plan (方案): who is responsible, when, which customers, shared among whom,
and how far it got (pure; domain §9).

Progress is read from the calls: a customer counts as reached once a call to them was
effective, as called once any call was made; the outcomes are counted per customer by
their latest call, so a `callback` followed by `interested` counts as interested.
"""
from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any, Iterable, Mapping

from .calls import OUTCOMES


def check_plan(name: str, owner: str, starts: date, ends: date) -> None:
    if not (name or "").strip():
        raise ValueError("a campaign needs a name")
    if not (owner or "").strip():
        raise ValueError("a campaign needs an owner")
    if ends < starts:
        raise ValueError(f"the campaign ends ({ends}) before it starts ({starts})")


def parse_day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise ValueError(f"{what}: a date is written like 2026-12-01, not {text!r}") from None


def progress(lists: Mapping[str, list[str]], calls: Iterable[Mapping[str, Any]]) -> dict:
    """Customers on the lists, how many were called and reached, outcomes, per staff."""
    members = {c: s for s, chosen in lists.items() for c in chosen}
    latest: dict[str, Mapping[str, Any]] = {}
    reached: set[str] = set()
    for call in sorted(calls, key=lambda c: (c["at"], c["_id"])):
        if call["customer_id"] in members:
            latest[call["customer_id"]] = call
            if call.get("effective"):
                reached.add(call["customer_id"])
    outcomes = Counter(call["outcome"] for call in latest.values())
    total = len(members)
    per_staff = {s: {"customers": len(chosen),
                     "called": sum(c in latest for c in chosen),
                     "reached": sum(c in reached for c in chosen)}
                 for s, chosen in lists.items()}
    return {"customers": total, "called": len(latest), "reached": len(reached),
            "ratio": round(len(reached) / total, 4) if total else 0.0,
            "outcomes": {o: outcomes.get(o, 0) for o in OUTCOMES}, "staff": per_staff}


def where_on_list(lists: Mapping[str, list[str]], customer_id: str) -> str | None:
    """The staff member whose list holds the customer (None: not on this campaign)."""
    return next((s for s, chosen in lists.items() if customer_id in chosen), None)

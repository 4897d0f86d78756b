"""Which customers a campaign's call list is built from (pure).

A segment is one branch's customers, narrowed by star level, service band, intent
class and products (maturing within a number of days, a total balance of at least an
amount). Consumer protection comes first, whatever the criteria: a customer who refused
marketing (`consent.marketing` false) or asked not to be called (`consent.do_not_call`)
is never on a call list, nor is a merged-away or erased one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from .follow import tier_of

MAX_DAYS = 3660
MAX_AMOUNT = Decimal(10) ** 15


@dataclass(frozen=True)
class Criteria:
    branch: str
    stars: tuple[str, ...] = ()
    band: str | None = None
    intents: tuple[str, ...] = ()
    maturing_within: int | None = None
    min_balance: Decimal | None = None

    def describe(self) -> dict:
        """The criteria as stored with the campaign and published in its event."""
        return {"branch": self.branch, "star": list(self.stars), "band": self.band,
                "intent": list(self.intents), "maturing_within": self.maturing_within,
                "min_balance": None if self.min_balance is None else f"{self.min_balance:.2f}"}


def criteria(branch: str, stars: list[str] | None = None, band: str | None = None,
             intents: list[str] | None = None, maturing_within: int | None = None,
             min_balance: str | None = None) -> Criteria:
    """Validated criteria (ValueError naming the bad one)."""
    if not (branch or "").strip():
        raise ValueError("a campaign needs a branch")
    bad = [s for s in stars or () if s not in ("1", "2", "3", "4", "5")]
    if bad:
        raise ValueError(f"star levels are 1 to 5, not {', '.join(bad)}")
    if maturing_within is not None and not 0 <= maturing_within <= MAX_DAYS:
        raise ValueError(f"maturing-within must be 0 to {MAX_DAYS} days")
    return Criteria(branch.strip(), tuple(stars or ()), band or None,
                    tuple(i.strip().upper() for i in intents or ()), maturing_within,
                    None if min_balance is None else amount(min_balance, "min-balance"))


def amount(text: Any, what: str = "amount") -> Decimal:
    try:
        value = Decimal(str(text).replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"{what}: not an amount: {text!r}") from None
    if not value.is_finite() or not 0 <= value < MAX_AMOUNT:
        raise ValueError(f"{what}: not an amount from 0 to {MAX_AMOUNT:,}: {text!r}")
    return value


def refused(row: Mapping[str, Any]) -> bool:
    """Marketing refused, or calls refused: never on a call list."""
    consent = row.get("consent") or {}
    return consent.get("marketing") is False or consent.get("do_not_call") is True


def eligible(row: Mapping[str, Any], wanted: Criteria, today: date) -> bool:
    if row.get("erased") or row.get("merged_into") or refused(row):
        return False
    if row.get("branch") != wanted.branch:
        return False
    if wanted.stars and tier_of(row, "star") not in wanted.stars:
        return False
    if wanted.band and tier_of(row, "service_band") != wanted.band:
        return False
    if wanted.intents and tier_of(row, "intent") not in wanted.intents:
        return False
    return _products_fit(row.get("products") or [], wanted, today)


def _products_fit(products: list[Mapping[str, Any]], wanted: Criteria, today: date) -> bool:
    if wanted.maturing_within is not None:
        until = today + timedelta(days=wanted.maturing_within)
        if not any(today <= due <= until for due in map(_day, products) if due):
            return False
    if wanted.min_balance is not None:
        if total_balance(products) < wanted.min_balance:
            return False
    return True


def total_balance(products: list[Mapping[str, Any]]) -> Decimal:
    """The sum of the products' balances (a missing or unreadable one counts 0)."""
    total = Decimal(0)
    for product in products:
        try:
            total += amount(product.get("balance") or 0)
        except ValueError:
            continue
    return total


def _day(product: Mapping[str, Any]) -> date | None:
    try:
        return date.fromisoformat(str(product.get("matures_on") or "")[:10])
    except ValueError:
        return None


def select(rows: list[Mapping[str, Any]], wanted: Criteria, today: date) -> list[Mapping[str, Any]]:
    """The eligible rows, in customer-id order (so a list is reproducible)."""
    return sorted((r for r in rows if eligible(r, wanted, today)), key=lambda r: r["_id"])

"""The five maintenance indicators ("保、争、挖、抢、培") per branch or maintainer (pure).

For a period [S, E) and a unit (a branch, or a maintainer within a branch), over the
customers as restated by timeline.groups, each in its state just before S and just
before E:

* keep      churned = maintained by the unit at S and by nobody at E (left maintenance,
            dropped out of every eligible band, erased = left the bank); a move to another
            maintainer (a departure, a reassignment) is a transfer, not a churn;
            churn_rate = churned / maintained_start;
* win       upgraded = customers who moved up a band or star level within the period,
            credited to the unit that maintained them just before the move (no forced
            migration: the credit stays); upgrade_rate = upgraded / maintained_start;
* dig       products_held = product holdings of the customers maintained at E;
            product_coverage = products_held / maintained_end; with_min_products = those
            holding at least `min_products`;
* grab      customers_won = maintained by the unit at E and by nobody at S;
            customer_growth = maintained_end - maintained_start;
* cultivate assets_start / assets_end = the sum of average daily assets of the customers
            maintained at S / at E (their latest snapshot before then);
            asset_growth = assets_end - assets_start;
* mid_high_grown = customers in a mid- or high-end band at E minus at S.

A rate whose denominator is zero is None. Amounts are two-place decimal strings.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable

from contracts.values import format_amount, money

from .facts import day_start
from .periods import Period
from .timeline import Group


@dataclass(frozen=True)
class Settings:
    upgrade_schemes: tuple[str, ...] = ("star", "service_band")
    band_scheme: str = "service_band"
    mid_high_bands: tuple[str, ...] = ("financial", "private")
    min_products: int = 2


@dataclass
class Tally:
    """A unit's counts; additive, so a unit's figures are the sum of its customers'
    (the gauges keep each customer's share and add the changes: domain/gauges.py)."""
    maintained_start: int = 0
    maintained_end: int = 0
    churned: int = 0
    upgraded: int = 0
    products_held: int = 0
    with_min_products: int = 0
    customers_won: int = 0
    assets_start: Decimal = Decimal(0)
    assets_end: Decimal = Decimal(0)
    mid_high_start: int = 0
    mid_high_end: int = 0

    def add(self, other: "Tally", sign: int = 1) -> None:
        for name, value in vars(other).items():
            setattr(self, name, getattr(self, name) + sign * value)

    def counts(self) -> dict[str, Any]:
        """A storable copy: amounts as exact decimal strings."""
        return {name: format_amount(value) if isinstance(value, Decimal) else value
                for name, value in vars(self).items()}

    @classmethod
    def of(cls, counts: dict[str, Any]) -> "Tally":
        return cls(**{name: Decimal(value) if name.startswith("assets") else int(value)
                      for name, value in counts.items()})


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _assets(snapshot: Any) -> Decimal:
    return (money(snapshot.get("assets")) or Decimal(0)) if snapshot else Decimal(0)


def _unit_key(seat: tuple[str, str | None], by: str) -> tuple:
    return (seat[1] or "", seat[0]) if by == "maintainer" else (seat[1] or "",)


def tallies(groups: Iterable[Group], period: Period, by: str,
            settings: Settings = Settings()) -> dict[tuple, Tally]:
    """Unit key -> its counts over `groups`: (branch,) or (branch, maintainer id)."""
    if by not in ("branch", "maintainer"):
        raise ValueError("by is 'branch' or 'maintainer'")
    start, end = day_start(period.start), day_start(period.end)
    found: dict[tuple, Tally] = {}

    def unit(seat: tuple[str, str | None]) -> Tally:
        return found.setdefault(_unit_key(seat, by), Tally())

    for group in groups:
        _count(group, start, end, unit, settings)
    return found


def add_up(found: dict[tuple, Tally], more: dict[tuple, Tally]) -> None:
    """Add `more` (tallies of other customers) into `found`: the counts are sums over
    customers, so a report counted a page at a time adds its pages' tallies."""
    for key, tally in more.items():
        found.setdefault(key, Tally()).add(tally)


def compute(groups: Iterable[Group], period: Period, by: str,
            settings: Settings = Settings()) -> list[dict]:
    """One row per unit, sorted by branch (and maintainer)."""
    return rows(tallies(groups, period, by, settings), by, settings)


def rows(found: dict[tuple, Tally], by: str, settings: Settings = Settings()) -> list[dict]:
    return [_row(key, tally, by, settings) for key, tally in sorted(found.items())]


def _count(group: Group, start, end, unit, settings: Settings) -> None:
    before, after = group.maintainer_at(start), group.maintainer_at(end)
    mid_high = set(settings.mid_high_bands)
    if before:
        tally = unit(before)
        tally.maintained_start += 1
        tally.assets_start += _assets(group.snapshot_at(start))
        tally.mid_high_start += group.tier_at(settings.band_scheme, start) in mid_high
        tally.churned += after is None
    if after:
        tally = unit(after)
        tally.maintained_end += 1
        snapshot = group.snapshot_at(end)
        tally.assets_end += _assets(snapshot)
        held = len(snapshot.get("products") or []) if snapshot else 0
        tally.products_held += held
        tally.with_min_products += held >= settings.min_products
        tally.mid_high_end += group.tier_at(settings.band_scheme, end) in mid_high
        tally.customers_won += before is None
    seats = (group.maintainer_at(moment)
             for moment in group.upgrades(settings.upgrade_schemes, start, end))
    for tally in {id(t): t for t in map(unit, filter(None, seats))}.values():
        tally.upgraded += 1  # once per unit that maintained the customer at a move up


def _row(key: tuple, tally: Tally, by: str, settings: Settings) -> dict:
    row: dict[str, Any] = {"branch": key[0] or None}
    if by == "maintainer":
        row["maintainer_id"] = key[1]
    return {**row,
            "maintained_start": tally.maintained_start, "maintained_end": tally.maintained_end,
            "churned": tally.churned, "churn_rate": _rate(tally.churned, tally.maintained_start),
            "upgraded": tally.upgraded,
            "upgrade_rate": _rate(tally.upgraded, tally.maintained_start),
            "products_held": tally.products_held,
            "product_coverage": _rate(tally.products_held, tally.maintained_end),
            "min_products": settings.min_products, "with_min_products": tally.with_min_products,
            "customers_won": tally.customers_won,
            "customer_growth": tally.maintained_end - tally.maintained_start,
            "assets_start": format_amount(tally.assets_start),
            "assets_end": format_amount(tally.assets_end),
            "asset_growth": format_amount(tally.assets_end - tally.assets_start),
            "mid_high_grown": tally.mid_high_end - tally.mid_high_start}

"""Exposure, limit, lead branch and early warning of a group (pure; domain.md §8).

* exposure: the sum of the members' credit, each member's granted limit or its
  outstanding credit when that is higher (an overdrawn line counts what is drawn);
* limit: the configured share (default 15 %) of the configured net capital;
* lead branch (牵头行): the branch with the largest outstanding credit to the group at
  the last quarter end (each member's latest figure dated on or before it, with the
  branch it had then); a branch with nothing outstanding any more is passed over for
  the next one; with no quarter-end figures at all, today's outstanding decides;
* warnings: one `group.limit_warning` each time the exposure rises across a warning
  level (a share of the limit) or the escalation amount; falling back below a level
  re-arms it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Iterable, Mapping, Sequence

from contracts.values import format_amount, money

ZERO = Decimal(0)


@dataclass(frozen=True)
class Limits:
    net_capital: Decimal
    limit_share: Decimal = Decimal("0.15")
    warning_levels: tuple[Decimal, ...] = (Decimal("0.8"), Decimal("1.0"))
    escalation_amount: Decimal | None = None

    @property
    def limit(self) -> Decimal:
        return (self.net_capital * self.limit_share).quantize(Decimal("0.01"))

    def levels(self) -> list[tuple[str, Decimal, bool]]:
        """(name, threshold, escalation) of every level, lowest first."""
        out = [(f"{level * 100:.0f}%", self.limit * level, False)
               for level in self.warning_levels]
        if self.escalation_amount is not None:
            out.append(("escalation", self.escalation_amount, True))
        return sorted(out, key=lambda lv: lv[1])


def member_exposure(credit: Mapping[str, Any] | None) -> Decimal:
    credit = credit or {}
    return max(money(credit.get("limit")) or ZERO, money(credit.get("outstanding")) or ZERO)


def exposure(parties: Iterable[Mapping[str, Any]]) -> Decimal:
    return sum((member_exposure(p.get("credit")) for p in parties), ZERO)


def share_of_limit(amount: Decimal, limits: Limits) -> float:
    return round(float(amount / limits.limit), 4) if limits.limit else 0.0


def quarter_end(today: date) -> date:
    """The last calendar quarter end before the quarter `today` is in."""
    first_of_quarter = date(today.year, ((today.month - 1) // 3) * 3 + 1, 1)
    return date.fromordinal(first_of_quarter.toordinal() - 1)


def at(history: Sequence[Mapping[str, Any]], day: date) -> Mapping[str, Any] | None:
    """The latest credit figure dated on or before `day`."""
    dated = [h for h in history if h.get("as_of") and h["as_of"][:10] <= day.isoformat()]
    return max(dated, key=lambda h: h["as_of"]) if dated else None


def lead_branch(parties: Iterable[Mapping[str, Any]], today: date) -> str | None:
    members = list(parties)
    q_end = quarter_end(today)
    then: dict[str, Decimal] = {}
    for p in members:
        figure = at(p.get("credit_history") or [], q_end)
        if figure and figure.get("branch"):
            then[figure["branch"]] = then.get(figure["branch"], ZERO) + \
                (money(figure.get("outstanding")) or ZERO)
    now: dict[str, Decimal] = {}
    for p in members:
        if p.get("branch"):
            now[p["branch"]] = now.get(p["branch"], ZERO) + \
                (money((p.get("credit") or {}).get("outstanding")) or ZERO)
    ranked = [b for b, v in sorted(then.items(), key=lambda kv: (-kv[1], kv[0])) if v > 0]
    for branch in ranked:
        if now.get(branch, ZERO) > 0:
            return branch
    today_ranked = [b for b, v in sorted(now.items(), key=lambda kv: (-kv[1], kv[0])) if v > 0]
    return today_ranked[0] if today_ranked else None


def crossings(amount: Decimal, limits: Limits, alerted: Iterable[str]
              ) -> tuple[list[str], list[tuple[str, Decimal, bool]]]:
    """(levels reached now, levels newly crossed upwards: warn for these)."""
    before = set(alerted)
    reached = [lv for lv in limits.levels() if amount >= lv[1]]
    return [lv[0] for lv in reached], [lv for lv in reached if lv[0] not in before]


def figures(parties: Iterable[Mapping[str, Any]], limits: Limits, today: date) -> dict:
    """The figures every group row and event carries."""
    members = list(parties)
    amount = exposure(members)
    return {"lead_branch": lead_branch(members, today), "exposure": format_amount(amount),
            "limit": format_amount(limits.limit),
            "share_of_limit": share_of_limit(amount, limits)}

"""Built-in tiering schemes: ``star`` (domain §3), ``service_band`` (§4), ``intent`` (§5).

A scheme is a class with ``name``, ``tiers`` (ordered low -> high, so direction of
a move is just tuple order), ``default_params`` and
``classify(customer, params, today) -> Decision``. ``params`` come from the rules
document (see ``tiering.domain.rules``) and are deep-merged over
``default_params``, so a partial document still works. ``validate_params`` lets
``validate_rules`` reject bad configuration at start-up.

Money arrives typed by the contract (``contracts.values``: a two-place decimal string
in events and snapshots) and is compared as ``Decimal``, so 49,999.99 vs 50,000 is
exact; a float is refused (TypeError), it would mean money lost its exactness on the
way. A missing amount counts as 0. ``has_relationship`` arrives as a boolean or None;
what a missing one means is this module's rule (:func:`has_business`).

Boundaries (defaults; all configurable):

star
    "1"  has_relationship is false; or has_relationship missing AND
         avg_daily_assets missing or 0 (no business with the bank yet)
    "2"  avg_daily_assets < 50,000 (also: relationship true but assets missing)
    "3"  50,000 <= assets < 300,000       (50,000 is 3 star)
    "4"  300,000 <= assets < 1,000,000    (300,000 is 4 star)
    "5"  assets >= 1,000,000              (1,000,000 is 5 star)

service_band (non-eligible customers are always "mass")
    eligible when ANY of: assets >= 50,000; card_spend_12m >= 50,000;
        loan_balance >= 300,000; custody_margin >= 10,000;
        card_level in {gold, platinum, diamond, black} (case-insensitive)
    "private"    assets > 2,000,000            (2,000,000 itself is NOT private)
    "financial"  200,000 <= assets <= 2,000,000 (both ends financial)
    "branch"     100,000 <= assets < 200,000
    "staff"      50,000 <= assets < 100,000
    below 50,000 but eligible by another criterion -> ``eligible_floor_band``
        (default "staff")
    Staff age limit: whenever the band would be "staff" (by assets or as the
    floor band) the customer must be younger than ``staff_max_age`` (60) on
    ``today``; aged 60 or more -> "mass" (domain §4 "everything else"). The 60th
    birthday itself is 60, so the day before is still staff. An unknown or
    unparseable birth_date is treated as young enough (staff), because refusing
    a maintainer for missing data would hurt the customer; the reason says so.
    Feb-29 birthdays are reached on Mar 1 in non-leap years.

intent (tiers "D" < "C" < "B" < "A")
    willingness / potential levels: none=0 < low=1 < medium=2 < high=3.
    Accepted inputs: "high"/"medium"/"low"/"none" (any case), 高/中/低/无,
    whole numbers 0-3 as the level itself, and any other number 0-100 as a
    score: 0-<25 none, 25-<50 low, 50-<75 medium, 75-100 high (so 1, 2, 3 are
    always levels, never scores). Anything else is "not recorded".
    Default matrix (first match from the top class down):
        A  willingness >= high   and potential >= high
        B  willingness >= medium and potential >= medium
        C  willingness >= low
        D  otherwise (willingness none)
    Missing data: nothing recorded -> D ("no intent recorded"); willingness
    missing but potential >= low -> ``undecided_class`` (default C, "undecided");
    willingness missing and potential none -> D; potential missing with a
    willingness -> potential treated as none (so at most C).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Mapping, Optional, Protocol

from contracts.values import flag, money
from tiering.domain.decide import Decision
from tiering.domain.rules import check_increasing, deep_merge, to_decimal

ZERO = Decimal(0)


class TieringScheme(Protocol):
    """What the service needs from a plugin registered under ``crm.tiering_schemes``."""

    name: str
    tiers: tuple[str, ...]

    def classify(self, customer: Mapping[str, Any], params: Mapping[str, Any], today: date) -> Decision:
        ...


# ---------------------------------------------------------------- helpers


def _financials(customer: Mapping[str, Any]) -> Mapping[str, Any]:
    return customer.get("financials") or {}


def _money_figure(amount: Optional[Decimal]) -> Optional[str]:
    """Exact decimal string for ``figures`` (JSON/BSON safe, no float rounding)."""
    return None if amount is None else format(amount, "f")


def _show(amount: Optional[Decimal]) -> str:
    """Amount as shown in reasons: two decimals, or 'missing'."""
    return "missing" if amount is None else f"{amount:.2f}"


def _limit(value: Any) -> str:
    """Threshold as shown in reasons: 50000, not 5E+4 or 50000.00."""
    number = to_decimal(value)
    if number is None:
        return str(value)
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _required(params: Mapping[str, Any], key: str) -> Decimal:
    """A numeric parameter; a non-number is a configuration bug, so raise."""
    number = to_decimal(params.get(key))
    if number is None:
        raise ValueError(f"parameter {key!r} must be a number, got {params.get(key)!r}")
    return number


def has_business(relationship: Optional[bool], assets: Optional[Decimal]) -> bool:
    """Tiering's rule for "the customer does business with the bank": what upstream
    recorded in has_relationship; when it recorded nothing, assets above 0 say yes.
    Intake records only what upstream said; the inference lives here."""
    if relationship is not None:
        return relationship
    return assets is not None and assets > ZERO


def _parse_date(value: Any) -> Optional[date]:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip().split("T")[0])
        except ValueError:
            return None
    return None


def age_on(birth_date: Any, today: date) -> Optional[int]:
    """Completed years on ``today``; None when unknown, malformed or in the future.

    The birthday itself counts (you are 60 on your 60th birthday).
    """
    born = _parse_date(birth_date)
    if born is None or born > today:
        return None
    had_birthday = (today.month, today.day) >= (born.month, born.day)
    return today.year - born.year - (0 if had_birthday else 1)


def _merged(defaults: Mapping[str, Any], params: Optional[Mapping[str, Any]]) -> dict[str, Any]:
    return deep_merge(defaults, params or {})


# ---------------------------------------------------------------- star


class StarScheme:
    """Domain §3: star level by annual average daily financial assets."""

    name = "star"
    tiers: tuple[str, ...] = ("1", "2", "3", "4", "5")
    default_params: dict[str, Any] = {"thresholds": {"3": 50000, "4": 300000, "5": 1000000}}

    def classify(self, customer: Mapping[str, Any], params: Mapping[str, Any], today: date) -> Decision:
        """Tier "1" without a relationship, else the highest threshold reached ("2" if none)."""
        fin = _financials(customer)
        relationship = flag(fin.get("has_relationship"))
        assets = money(fin.get("avg_daily_assets"))
        figures = {"has_relationship": relationship, "avg_daily_assets": _money_figure(assets)}
        no_business = self._no_business_reason(relationship, assets)
        if no_business:
            return Decision("1", no_business, figures)
        tier, reason = self._by_assets(assets, _merged(self.default_params, params)["thresholds"])
        return Decision(tier, reason, figures)

    @staticmethod
    def _no_business_reason(relationship: Optional[bool], assets: Optional[Decimal]) -> str:
        if has_business(relationship, assets):
            return ""
        if relationship is False:
            return "has_relationship is false: no business with the bank yet (1 star)"
        return (f"has_relationship not recorded and avg_daily_assets {_show(assets)}: "
                "no business with the bank yet (1 star)")

    def _by_assets(self, assets: Optional[Decimal], thresholds: Mapping[str, Any]) -> tuple[str, str]:
        value = assets if assets is not None else ZERO
        shown = _show(assets) if assets is not None else "missing, treated as 0.00,"
        ordered = self._ordered_thresholds(thresholds)
        for tier, limit in reversed(ordered):
            if value >= limit:
                return tier, f"avg_daily_assets {shown} >= {_limit(limit)} ({tier} star threshold)"
        lowest_tier, lowest = ordered[0]
        return "2", f"avg_daily_assets {shown} < {_limit(lowest)} ({lowest_tier} star threshold)"

    def _ordered_thresholds(self, thresholds: Mapping[str, Any]) -> list[tuple[str, Decimal]]:
        by_tier = {str(k): v for k, v in thresholds.items()}
        return [(t, _required(by_tier, t)) for t in self.tiers[2:] if t in by_tier]

    @classmethod
    def validate_params(cls, params: Mapping[str, Any]) -> list[str]:
        """Thresholds must name star levels 3-5, be numbers, and rise with the level."""
        thresholds = _merged(cls.default_params, params).get("thresholds")
        if not isinstance(thresholds, Mapping):
            return ["thresholds must be a mapping of star level to amount"]
        errors = [
            f"thresholds: unknown star level {k!r} (expected one of {list(cls.tiers[2:])})"
            for k in thresholds
            if str(k) not in cls.tiers[2:]
        ]
        named = [(f"threshold {t}", thresholds[t]) for t in cls.tiers[2:] if t in thresholds]
        return errors + check_increasing(named, "thresholds")


# ---------------------------------------------------------------- service band

_ELIGIBILITY_AMOUNTS = (
    ("avg_daily_assets", "assets_from"),
    ("card_spend_12m", "card_spend_from"),
    ("loan_balance", "loan_balance_from"),
    ("custody_margin", "custody_margin_from"),
)


class ServiceBandScheme:
    """Domain §4: layered-maintenance band, which decides the maintainer's role."""

    name = "service_band"
    tiers: tuple[str, ...] = ("mass", "staff", "branch", "financial", "private")
    default_params: dict[str, Any] = {
        "private_above": 2000000,
        "financial_from": 200000,
        "branch_from": 100000,
        "staff_from": 50000,
        "staff_max_age": 60,
        "eligibility": {
            "assets_from": 50000,
            "card_spend_from": 50000,
            "loan_balance_from": 300000,
            "custody_margin_from": 10000,
            "card_levels": ["gold", "platinum", "diamond", "black"],
        },
        "eligible_floor_band": "staff",
    }

    def classify(self, customer: Mapping[str, Any], params: Mapping[str, Any], today: date) -> Decision:
        """Mass unless eligible; then band by assets, with the staff age limit applied last."""
        p = _merged(self.default_params, params)
        fin = _financials(customer)
        amounts = {f: money(fin.get(f)) for f, _ in _ELIGIBILITY_AMOUNTS}
        card_level = fin.get("card_level")
        age = age_on(customer.get("birth_date"), today)
        met = _eligibility_met(amounts, card_level, p["eligibility"])
        figures = {f: _money_figure(v) for f, v in amounts.items()}
        figures.update(card_level=card_level, age=age, eligible_by=[name for name, _ in met])
        if not met:
            return Decision("mass", _not_eligible_reason(amounts, card_level, p["eligibility"]), figures)
        band, reason = _band_by_assets(amounts["avg_daily_assets"], met, p)
        if band == "staff":
            band, reason = _apply_staff_age(reason, age, p)
        return Decision(band, reason, figures)

    @classmethod
    def validate_params(cls, params: Mapping[str, Any]) -> list[str]:
        """Band floors numeric and rising; eligibility numeric; floor band a real band."""
        p = _merged(cls.default_params, params)
        floors = [(k, p.get(k)) for k in ("staff_from", "branch_from", "financial_from")]
        errors = check_increasing(floors, "bands")
        errors += check_increasing([("staff_max_age", p.get("staff_max_age"))], "bands")
        private, financial = to_decimal(p.get("private_above")), to_decimal(p.get("financial_from"))
        if private is None:
            errors.append(f"bands: private_above must be a number, got {p.get('private_above')!r}")
        elif financial is not None and private < financial:
            errors.append(f"bands: private_above ({private}) must be >= financial_from ({financial})")
        errors += _eligibility_errors(p.get("eligibility"))
        if p.get("eligible_floor_band") not in cls.tiers:
            errors.append(f"eligible_floor_band {p.get('eligible_floor_band')!r} is not one of {cls.tiers}")
        return errors


def _eligibility_met(
    amounts: Mapping[str, Optional[Decimal]], card_level: Any, rules: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """(criterion, description) for every eligibility criterion the customer meets."""
    met = []
    for field, key in _ELIGIBILITY_AMOUNTS:
        amount, limit = amounts[field], _required(rules, key)
        if amount is not None and amount >= limit:
            met.append((field, f"{field} {_show(amount)} >= {_limit(limit)}"))
    levels = {str(level).strip().lower() for level in rules.get("card_levels") or []}
    if isinstance(card_level, str) and card_level.strip().lower() in levels:
        met.append(("card_level", f"card_level {card_level.strip().lower()}"))
    return met


def _not_eligible_reason(
    amounts: Mapping[str, Optional[Decimal]], card_level: Any, rules: Mapping[str, Any]
) -> str:
    parts = [f"{f} {_show(amounts[f])} < {_limit(rules[k])}" for f, k in _ELIGIBILITY_AMOUNTS]
    parts.append(f"card_level {card_level or 'missing'} not in {list(rules.get('card_levels') or [])}")
    return "not eligible for layered maintenance (" + "; ".join(parts) + "): mass"


def _band_by_assets(
    assets: Optional[Decimal], met: list[tuple[str, str]], p: Mapping[str, Any]
) -> tuple[str, str]:
    value = assets if assets is not None else ZERO
    shown = _show(assets)
    private_above = _required(p, "private_above")
    if value > private_above:
        return "private", f"avg_daily_assets {shown} > {_limit(private_above)} (private threshold)"
    for band, key in (("financial", "financial_from"), ("branch", "branch_from"), ("staff", "staff_from")):
        limit = _required(p, key)
        if value >= limit:
            return band, f"avg_daily_assets {shown} >= {_limit(limit)} ({band} threshold)"
    floor = p["eligible_floor_band"]
    via = ", ".join(description for _, description in met)
    return floor, (
        f"avg_daily_assets {shown} < {_limit(p['staff_from'])} but eligible via {via} "
        f"(eligible floor band {floor})"
    )


def _apply_staff_age(reason: str, age: Optional[int], p: Mapping[str, Any]) -> tuple[str, str]:
    """Domain §4: the staff band is for customers younger than 60; older ones are mass."""
    max_age = _required(p, "staff_max_age")
    if age is None:
        return "staff", f"{reason}; age unknown, treated as under {_limit(max_age)}"
    if age < max_age:
        return "staff", f"{reason}; age {age} < {_limit(max_age)}"
    return "mass", f"{reason}; but age {age} >= {_limit(max_age)} (staff age limit): mass"


def _eligibility_errors(rules: Any) -> list[str]:
    if not isinstance(rules, Mapping):
        return ["eligibility must be a mapping"]
    errors = []
    for _, key in _ELIGIBILITY_AMOUNTS:
        if to_decimal(rules.get(key)) is None:
            errors.append(f"eligibility: {key} must be a number, got {rules.get(key)!r}")
    levels = rules.get("card_levels")
    if not isinstance(levels, list) or not all(isinstance(x, str) for x in levels):
        errors.append("eligibility: card_levels must be a list of strings")
    return errors


# ---------------------------------------------------------------- intent

LEVELS: tuple[str, ...] = ("none", "low", "medium", "high")
_LEVEL_WORDS = {
    "none": 0, "low": 1, "medium": 2, "high": 3,
    "无": 0, "低": 1, "中": 2, "高": 3,
}
_DIMENSIONS = ("willingness", "potential")


def intent_level(value: Any) -> Optional[int]:
    """0 (none) .. 3 (high) from a word, a 0-3 level or a 0-100 score; None if unusable.

    Whole numbers 0-3 are levels; any other number 0-100 is a score cut at
    25 / 50 / 75. Out-of-range numbers and unknown words are None (not recorded).
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().lower() in _LEVEL_WORDS:
        return _LEVEL_WORDS[value.strip().lower()]
    number = to_decimal(value)
    if number is None or number < 0 or number > 100:
        return None
    if number == number.to_integral_value() and number <= 3:
        return int(number)
    return sum(1 for cut in (25, 50, 75) if number >= cut)


class IntentScheme:
    """Domain §5: prospect intent class A-D from willingness and potential."""

    name = "intent"
    tiers: tuple[str, ...] = ("D", "C", "B", "A")
    default_params: dict[str, Any] = {
        "classes": {
            "A": {"willingness": "high", "potential": "high"},
            "B": {"willingness": "medium", "potential": "medium"},
            "C": {"willingness": "low"},
        },
        "undecided_class": "C",
    }

    def classify(self, customer: Mapping[str, Any], params: Mapping[str, Any], today: date) -> Decision:
        """Matrix lookup, with the missing-data rules from the module docstring."""
        p = _merged(self.default_params, params)
        intent = customer.get("intent") or {}
        will, pot = (intent_level(intent.get(d)) for d in _DIMENSIONS)
        figures = {"willingness": _level_name(will), "potential": _level_name(pot)}
        if will is None:
            return Decision(*self._without_willingness(pot, p), figures)
        return Decision(*self._by_matrix(will, pot, p["classes"]), figures)

    @staticmethod
    def _without_willingness(pot: Optional[int], p: Mapping[str, Any]) -> tuple[str, str]:
        if pot is None:
            return "D", "no intent recorded (D)"
        if pot == 0:
            return "D", "willingness not recorded and potential none (D)"
        undecided = p["undecided_class"]
        return undecided, f"willingness not recorded (undecided), potential {LEVELS[pot]} ({undecided})"

    def _by_matrix(self, will: int, pot: Optional[int], classes: Mapping[str, Any]) -> tuple[str, str]:
        levels = {"willingness": will, "potential": pot if pot is not None else 0}
        shown = f"willingness {LEVELS[will]}, potential {LEVELS[pot] if pot is not None else 'not recorded'}"
        for tier in reversed(self.tiers):
            needs = classes.get(tier)
            if needs is None:
                continue
            if all(levels[d] >= intent_level(needs[d]) for d in _DIMENSIONS if d in needs):
                rule = " and ".join(f"{d} >= {needs[d]}" for d in _DIMENSIONS if d in needs) or "always"
                return tier, f"{shown}: meets {tier} ({rule})"
        lowest = self.tiers[0]
        return lowest, f"{shown}: no class requirement met ({lowest})"

    @classmethod
    def validate_params(cls, params: Mapping[str, Any]) -> list[str]:
        """Classes must be known tiers whose requirements use known dimensions and levels."""
        p = _merged(cls.default_params, params)
        classes = p.get("classes")
        if not isinstance(classes, Mapping):
            return ["classes must be a mapping of class to requirements"]
        errors = []
        for tier, needs in classes.items():
            if tier not in cls.tiers:
                errors.append(f"classes: unknown class {tier!r} (expected one of {cls.tiers})")
            elif not isinstance(needs, Mapping):
                errors.append(f"classes.{tier} must be a mapping of dimension to minimum level")
            else:
                errors += _requirement_errors(tier, needs)
        if p.get("undecided_class") not in cls.tiers:
            errors.append(f"undecided_class {p.get('undecided_class')!r} is not one of {cls.tiers}")
        return errors


def _requirement_errors(tier: str, needs: Mapping[str, Any]) -> list[str]:
    errors = []
    for dimension, level in needs.items():
        if dimension not in _DIMENSIONS:
            errors.append(f"classes.{tier}: unknown dimension {dimension!r} (expected {_DIMENSIONS})")
        elif intent_level(level) is None:
            errors.append(f"classes.{tier}.{dimension}: unknown level {level!r} (expected {LEVELS})")
    return errors


def _level_name(level: Optional[int]) -> Optional[str]:
    return None if level is None else LEVELS[level]


BUILTIN_SCHEMES: dict[str, type] = {
    "star": StarScheme,
    "service_band": ServiceBandScheme,
    "intent": IntentScheme,
}

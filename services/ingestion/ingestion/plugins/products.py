"""Typing of the `products` an intake record lists (run by the financials normalizer).

A product holding is a financial figure like the balances: its `balance` is an amount
(contracts.values: two-place decimal string, never a float) and its dates (`as_of`,
`matures_on`) are ISO 8601 dates. As everywhere at intake, a value that cannot be typed
is kept raw (`<key>_raw`) and reported as a quality issue; the holding itself stays.
Without its own `as_of` a holding takes the record's `financials.as_of`: business time
is the data's date wherever the record has one.
"""
from __future__ import annotations

from typing import Any

from contracts import values
from ingestion.domain import text as parsing
from ingestion.domain.text import clean_text

Issue = dict[str, Any]


def type_products(products: Any, default_as_of: str | None) -> tuple[list[dict], list[Issue]]:
    """The typed holdings of a record and the quality issues found on the way."""
    if not isinstance(products, list):
        return [], []
    out: list[dict] = []
    issues: list[Issue] = []
    for index, raw in enumerate(products):
        if not isinstance(raw, dict):
            continue
        held, found = _holding(raw, f"products[{index}]", default_as_of)
        out.append(held)
        issues.extend(found)
    return out, issues


def _holding(raw: dict, path: str, default_as_of: str | None) -> tuple[dict, list[Issue]]:
    held: dict[str, Any] = {"code": clean_text(values.id_to_str(raw.get("code"))).upper(),
                            "as_of": default_as_of, "matures_on": None, "balance": None}
    issues: list[Issue] = []
    for key in ("as_of", "matures_on"):
        if raw.get(key) in (None, ""):
            continue
        held[key], code = parsing.parse_date(raw[key], False)
        if code:
            held[f"{key}_raw"] = raw[key]
            issues.append(_issue(f"{path}.{key}", code, str(raw[key])))
    if raw.get("balance") not in (None, ""):
        amount, code = values.parse_amount(raw["balance"])
        if code:
            issues.append(_issue(f"{path}.balance", code, str(raw["balance"])))
        held["balance"] = None if amount is None else values.format_amount(amount)
    return held, issues


def _issue(field: str, code: str, raw: str) -> Issue:
    return {"field": field, "issue": code, "raw": raw}

"""The value types of the contracts, each parsed in one place: money, yes/no flags and
identifier cells.

Money (`avg_daily_assets`, `card_spend_12m`, `loan_balance`, `custody_margin`) is an
amount in yuan with a precision of one fen: **at most two decimal places**. In events
and at rest it is a decimal string with exactly two places ("1234567.89", "50000.00");
in memory where it is computed with (tiering) it is a `decimal.Decimal`. It never
passes through a binary float: 0.1 + 0.2 is 0.3 and 12.3万 is 123000.00. A JSON number
is still accepted wherever an amount is read; it is read through its shortest decimal
spelling (what was typed, for up to 15 significant digits), so send a string when you
need more. More than two decimal places are rounded half-up to the fen.

Flags (`has_relationship`) arrive from spreadsheets as true/false, 是/否, 有/无, 1/0,
yes/no ...; :func:`parse_flag` is the only word list. Events carry JSON booleans.

Identifiers (ids, phones, postcodes) that spreadsheets turned into numbers
(13812345678.0) are read back to digit strings by :func:`id_to_str`, the one place the
CLI's list reader and ingestion's normalizers share.
"""
from __future__ import annotations

import math
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from marshmallow import ValidationError, fields

MONEY_PLACES = 2
FEN = Decimal(1).scaleb(-MONEY_PLACES)           # Decimal("0.01")
MONEY_LIMIT = Decimal(10) ** 15                  # amounts are below a quadrillion yuan
MONEY_PATTERN = r"^[0-9]{1,15}(\.[0-9]{1,2})?$"  # an amount as a JSON string
_WAN = Decimal(10_000)                           # 万
_NOISE = str.maketrans("", "", ",¥元 ")

_TRUE = frozenset({"true", "t", "yes", "y", "on", "1", "是", "有"})
_FALSE = frozenset({"false", "f", "no", "n", "off", "0", "否", "无", "没有"})


# --- money ------------------------------------------------------------------------

def parse_amount(raw: Any) -> tuple[Decimal | None, str | None]:
    """A spreadsheet or JSON amount -> (Decimal to the fen, None) or (None, issue code).

    Accepts numbers and text such as '1,234,567.89', full-width digits, '¥' / '元' and
    a '万' (x10,000) unit. Issue codes: 'not_a_number' (also for NaN, infinities and
    amounts of a quadrillion or more), 'negative_amount'.
    """
    if isinstance(raw, bool):
        return None, "not_a_number"
    if isinstance(raw, (int, float, Decimal)):
        value = _number(raw)
    else:
        text = unicodedata.normalize("NFKC", str(raw)).translate(_NOISE).strip()
        scale = _WAN if text.endswith("万") else Decimal(1)
        value = _number(text.rstrip("万").strip())
        value = None if value is None else value * scale
    if value is None or not value.is_finite() or abs(value) >= MONEY_LIMIT:
        return None, "not_a_number"
    if value < 0:
        return None, "negative_amount"
    return value.quantize(FEN, rounding=ROUND_HALF_UP), None


def _number(raw: Any) -> Decimal | None:
    """Decimal of an int, a float's shortest spelling (repr), a Decimal or numeric text."""
    if isinstance(raw, float):
        if not math.isfinite(raw):
            return None
        raw = repr(raw)
    try:
        return Decimal(raw)
    except (InvalidOperation, TypeError, ValueError):
        return None


def format_amount(amount: Decimal) -> str:
    """The JSON and at-rest form of an amount: exactly two decimal places."""
    return format(amount.quantize(FEN, rounding=ROUND_HALF_UP), "f")


def money(value: Any) -> Decimal | None:
    """An amount as it arrives from an event or a stored snapshot -> Decimal, exactly.

    Takes what :class:`Amount` produces (a two-place decimal string), a Decimal or an
    int; None stays None. A float is refused with TypeError: it means some code on the
    way converted money to binary floating point, which this contract forbids.
    """
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"money must not travel as {type(value).__name__}: {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str) and _canonical_text(value):
        return Decimal(value)
    raise TypeError(f"not an amount in the contract's form: {value!r}")


def _canonical_text(text: str) -> bool:
    whole, dot, places = text.partition(".")
    return (whole.isascii() and whole.isdigit() and 1 <= len(whole) <= 15
            and (not dot or (places.isascii() and places.isdigit() and 1 <= len(places) <= 2)))


class Amount(fields.Field):
    """An amount in an event: dumped as a two-place decimal string, loaded from such a
    string or from a JSON number (the form events had before) into the same string."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("metadata", {}).update({
            "type": ["string", "number", "null"] if kwargs.get("allow_none") else
            ["string", "number"], "pattern": MONEY_PATTERN, "minimum": 0,
            "description": "yuan, at most two decimal places; a decimal string such as "
                           "\"1234567.89\" (a JSON number is accepted)"})
        super().__init__(**kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else format_amount(self._amount(value))

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return format_amount(self._amount(value))

    @staticmethod
    def _amount(value: Any) -> Decimal:
        if isinstance(value, str) and not _canonical_text(value):
            raise ValidationError("not a decimal amount with at most two places")
        if not isinstance(value, (str, int, float, Decimal)) or isinstance(value, bool):
            raise ValidationError("an amount is a decimal string or a number")
        amount, problem = parse_amount(value)
        if problem:
            raise ValidationError(f"not an amount: {problem}")
        return amount


# --- flags ------------------------------------------------------------------------

def parse_flag(raw: Any) -> bool | None:
    """true/false, 是/否, 有/无, 1/0, yes/no, on/off (any case, full-width too) -> bool;
    None when the value is not recognisable. The one yes/no parser of the project."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw)
    text = " ".join(unicodedata.normalize("NFKC", str(raw)).split()).lower()
    return True if text in _TRUE else False if text in _FALSE else None


def flag(value: Any) -> bool | None:
    """A flag as events carry it (a JSON boolean, or None: not recorded). Anything else
    is refused with TypeError: words were for parse_flag at intake, not for later."""
    if value is None or isinstance(value, bool):
        return value
    raise TypeError(f"a flag travels as a boolean or null, got {value!r}")


# --- identifiers ------------------------------------------------------------------

def id_to_str(value: Any) -> str:
    """Numbers that are really identifiers (spreadsheet cells) back to digit strings:
    13812345678.0 -> "13812345678". Booleans stay "True"/"False" (not 1/0)."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

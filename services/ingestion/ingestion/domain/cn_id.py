"""Chinese resident identity card numbers (GB 11643-1999), checked by python-stdnum.

An 18-character number: 6-digit area code, 8-digit birth date, 3-digit
sequence (odd = male) and an ISO 7064 MOD 11-2 check character. Validating it
catches typing errors early, and it carries birth date and gender that lists
often omit. ``stdnum.cn.ric`` owns the length, digit, check-character and birth-date
rules. Its birth-place lookup is deliberately not a validity gate: the area code
is that of the place of registration when the card was issued, and stdnum bounds
each county by the holder's birth year, so it rejects real cards (440305 Nanshan,
created 1990, held by people born in 1980).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

from ingestion.domain.text import to_half_width

_SHAPE = re.compile(r"^\d{17}[\dX]$")
_SEPARATORS = re.compile(r"[\s\-]+")


@dataclass(frozen=True)
class ParsedId:
    """A validated resident ID with the facts derived from it."""

    number: str
    birth_date: str
    gender: str


class CnIdError(ValueError):
    """Raised by `validate_cn_resident_id`; `code` is the quality-issue name."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def clean_cn_id(raw: str) -> str:
    """Half-width, strip spaces/hyphens, upper-case the trailing x."""
    return ric.compact(_SEPARATORS.sub("", to_half_width(str(raw))))


def check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits (stdnum's)."""
    digits = to_half_width(first17)
    if len(digits) != 17 or not digits.isdigit():
        raise ValueError("check_digit needs exactly 17 digits")
    return ric.calc_check_digit(digits + "0")


def upgrade_15_to_18(number: str) -> str:
    """First-generation 15-digit IDs (born 19xx, no check char) to the 18-char form."""
    first17 = number[:6] + "19" + number[6:]
    return first17 + check_digit(first17)


def validate_cn_resident_id(raw: str, today: date) -> ParsedId:
    """Parse or raise CnIdError with code 'invalid_format' or 'check_digit_failed'.

    A birth date after `today` (the caller's clock) is out of range.

    15-digit first-generation numbers are upgraded to 18 characters so the
    same person matches across old and new lists.
    """
    number = clean_cn_id(raw)
    if len(number) == 15 and number.isdigit():
        number = upgrade_15_to_18(number)
    if not _SHAPE.match(number):
        raise CnIdError("invalid_format", "not 17 digits followed by a digit or X")
    try:
        born = ric.get_birth_date(number)
    except stdnum_errors.ValidationError:
        raise CnIdError("invalid_format", "birth date inside the ID is impossible") from None
    if born.year < 1850 or born > today:
        raise CnIdError("invalid_format", "birth date inside the ID is out of range")
    if ric.calc_check_digit(number) != number[17]:
        raise CnIdError("check_digit_failed", "check character does not match")
    gender = "male" if int(number[16]) % 2 == 1 else "female"
    return ParsedId(number=number, birth_date=born.isoformat(), gender=gender)


def parse_cn_resident_id(raw: str, today: date) -> ParsedId | None:
    """Parsed ID, or None when the shape, embedded date or check character is wrong."""
    try:
        return validate_cn_resident_id(raw, today)
    except CnIdError:
        return None


def looks_like_cn_id(raw: str) -> bool:
    """Heuristic for records without national_id_type: 18 chars of digits (+X)."""
    return bool(_SHAPE.match(clean_cn_id(raw)))

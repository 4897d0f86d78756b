"""Text helpers and value parsers used by the normalizers.

Customer lists come from spreadsheets typed on Chinese input methods, so
full-width digits/letters, stray spaces and many date/phone/amount spellings are
common; these helpers make values comparable without changing their meaning.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timezone
from typing import Any

from contracts.values import id_to_str  # noqa: F401  (re-exported: callers use it from here)

_SPACES = re.compile(r"\s+")
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3007"
_HAN_RE = re.compile(f"[{_HAN}]")
_SPACE_BETWEEN_HAN = re.compile(f"(?<=[{_HAN}·])\\s+(?=[{_HAN}·])")


def to_half_width(s: str) -> str:
    """Fold full-width forms (e.g. '１２３', 'ＡＢ', ideographic space) to ASCII via NFKC."""
    return unicodedata.normalize("NFKC", s)


def collapse_spaces(s: str) -> str:
    """Trim and collapse any run of whitespace into one space."""
    return _SPACES.sub(" ", s).strip()


def is_cjk(s: str) -> bool:
    """True when the string contains at least one Han character (treated as a CJK name)."""
    return bool(_HAN_RE.search(s))


def remove_spaces_between_han(s: str) -> str:
    """'张 三' -> '张三': spaces between Han characters are typing noise, not separators."""
    return _SPACE_BETWEEN_HAN.sub("", s)


def clean_text(s: str) -> str:
    """NFKC + collapse whitespace: the baseline cleanup for any free-text field."""
    return collapse_spaces(to_half_width(s))


# --- value parsers -----------------------------------------------------------
# Pure string -> value conversions used by the normalizers. They return None (or
# an issue code) instead of raising, because a bad cell must never stop a list.
# Amounts and yes/no flags are contract types: contracts.values parses them.

_MULTI_SEP = re.compile(r"[,;/、，；|]+")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_COUNTRIES = {"中国": "CN", "中华人民共和国": "CN", "CHINA": "CN", "PRC": "CN", "CHN": "CN"}


def split_multi(value: str) -> list[str]:
    """One cell may hold several phones/e-mails: '138..., 139...' -> two entries."""
    return [part.strip() for part in _MULTI_SEP.split(value) if part.strip()]


def parse_date(raw: Any, keep_time: bool) -> tuple[str | None, str | None]:
    """(iso value, None) or (None, 'invalid_date' | 'invalid_format')."""
    if isinstance(raw, datetime):
        return _iso_datetime(raw) if keep_time else raw.date().isoformat(), None
    if isinstance(raw, date):
        return raw.isoformat(), None
    s = collapse_spaces(to_half_width(id_to_str(raw)))
    match = _COMPACT_DATE.match(s) or _DATE.match(s)
    try:
        if match:
            parts = [int(p) for p in match.groups(default="0")]
            has_time = match.re is _DATE and match.group(4) is not None
            if not (has_time and keep_time):
                return date(*parts[:3]).isoformat(), None
            return _iso_datetime(datetime(*parts)), None
        if not keep_time:
            return None, "invalid_format"
        return _iso_datetime(datetime.fromisoformat(s)), None
    except ValueError:
        return None, "invalid_date" if match else "invalid_format"


def _iso_datetime(value: datetime) -> str:
    """Tz-aware values in UTC with +00:00; naive ones as they are."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc)
    return value.isoformat()


def normalize_country(raw: str) -> str:
    """Country as ISO 3166 alpha-2 where recognisable ('中国', 'China' -> 'CN')."""
    s = clean_text(raw).upper()
    return _COUNTRIES.get(s, s)

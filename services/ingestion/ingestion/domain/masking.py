"""Masking of personal data for anything a person or a log sees (domain §7).

Masks keep just enough to let an operator recognise a record (prefix/suffix)
without revealing the value.
"""
from __future__ import annotations

import re

from ingestion.domain.text import is_cjk

_CN_MOBILE_E164 = re.compile(r"^\+861[3-9]\d{9}$")
_TEXT_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_TEXT_PHONE = re.compile(r"(?<![\d+])(?:\+?86[\s-]?)?(1[3-9]\d{9})(?!\d)")
_TEXT_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")


def mask_national_id(value: str) -> str:
    """Keep the first 4 and last 4 characters: '1101**********1234'."""
    value = str(value)
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """CN mobiles drop +86 and become '138****8000'; others keep first 3 and last 4."""
    value = str(value)
    if _CN_MOBILE_E164.match(value):
        value = value[3:]
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_email(value: str) -> str:
    """Keep the first character of the local part and the domain: 'z***@example.com'."""
    value = str(value)
    local, sep, domain = value.partition("@")
    if not sep:
        return value[:1] + "***"
    return (local[:1] + "***" if local else "***") + "@" + domain


def mask_name(value: str) -> str:
    """CJK names keep the family character ('张*'); Latin words keep their initial
    and show at most three stars ('Z*** S**') so long names do not leak their length."""
    value = str(value)
    if is_cjk(value):
        stripped = value.replace(" ", "")
        return stripped[:1] + "*" * (len(stripped) - 1)
    return " ".join(w[:1] + "*" * min(len(w) - 1, 3) for w in value.split())


def mask_text_generic(value: str) -> str:
    """Fallback for values of unknown kind: keep only the first character."""
    value = str(value)
    return value[:1] + "*" * (len(value) - 1) if value else value


def mask_text(s: str) -> str:
    """Mask CN IDs, CN mobiles (optional +86) and emails embedded in free text (logs)."""
    s = _TEXT_EMAIL.sub(lambda m: mask_email(m.group(0)), s)
    s = _TEXT_ID.sub(lambda m: mask_national_id(m.group(1)), s)
    return _TEXT_PHONE.sub(lambda m: mask_phone(m.group(1)), s)

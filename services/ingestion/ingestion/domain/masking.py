"""Masking of personal data for anything a person or a log sees (domain §7).

The masking rules live in ``common.pii`` so every service masks the same way: by
field name first (the one vocabulary, ``common.pii.PERSONAL_FIELDS``; values are
normalised before masking, so a spaced or hyphenated ID, a passport number or a
landline is masked in every written form), then by pattern for free text (invalid
e-mails masked too, at most three stars per Latin word, full-width digits folded).
This module re-exports them for the ingestion code and adds the raw-excerpt masking
and a fallback for values of unknown kind.
"""
from __future__ import annotations

import re

from common.pii import (mask_birth_date, mask_email, mask_fields, mask_name, mask_national_id,
                        mask_phone, mask_text)

__all__ = ["mask_birth_date", "mask_email", "mask_fields", "mask_name", "mask_national_id",
           "mask_phone", "mask_raw_text", "mask_text", "mask_text_generic"]


def mask_raw_text(text: str) -> str:
    """The excerpt of a raw input shown for a reject: usually JSON cut at 300 characters,
    so personal fields are found by name in the text itself (`"national_id": "…"`,
    also in the last, cut-off value), then everything else by pattern. Masking reads
    JSON escapes, so a `\\ud800` escape comes back as a lone surrogate, which no UTF-8
    store takes (the reject could not be written): those become U+FFFD."""
    return _SURROGATE.sub("\ufffd", mask_text(text))


_SURROGATE = re.compile("[\ud800-\udfff]")


def mask_text_generic(value: str) -> str:
    """Fallback for values of unknown kind: keep only the first character."""
    value = str(value)
    return value[:1] + "*" * (len(value) - 1) if value else value

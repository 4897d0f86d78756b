"""Masking of personal data for anything a person or a log sees (domain §7).

The masking rules live in ``common.pii`` so every service masks the same way;
this module re-exports them for the ingestion code and keeps only what is
stricter here:

- ``mask_email``: common's version returns a value without '@' unchanged, which
  would show an invalid (but still personal) address in a quality issue.
- ``mask_name``: shows at most three stars per Latin word so a long name does
  not leak its length (common shows one star per letter).
- ``mask_raw_text``: folds full-width characters first, because raw intake
  input typed in Chinese spreadsheets often carries full-width digits that the
  text patterns would not recognise as an ID or a phone.
"""
from __future__ import annotations

import unicodedata

from common.pii import mask_email as _common_mask_email
from common.pii import mask_national_id, mask_phone, mask_text
from ingestion.domain.text import is_cjk

__all__ = ["mask_email", "mask_name", "mask_national_id", "mask_phone", "mask_raw_text",
           "mask_text", "mask_text_generic"]


def mask_email(value: str) -> str:
    """'z***@example.com'; a value without '@' keeps only its first character."""
    value = str(value)
    if "@" not in value:
        return value[:1] + "***"
    return _common_mask_email(value)


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


def mask_raw_text(text: str) -> str:
    """Mask IDs, mobiles and e-mails in raw input, full-width forms included."""
    return mask_text(unicodedata.normalize("NFKC", text))

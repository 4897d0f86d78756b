"""Masking of personal data for anything a person or a log sees (domain §7).

The masking rules live in ``common.pii`` so every service masks the same way
(invalid e-mails masked too, at most three stars per Latin word, full-width
digits folded before IDs and phones are searched); this module re-exports them
for the ingestion code and adds only a fallback for values of unknown kind.
"""
from __future__ import annotations

from common.pii import mask_email, mask_name, mask_national_id, mask_phone, mask_text

mask_raw_text = mask_text  # common.pii.mask_text folds full-width forms itself

__all__ = ["mask_email", "mask_name", "mask_national_id", "mask_phone", "mask_raw_text",
           "mask_text", "mask_text_generic"]


def mask_text_generic(value: str) -> str:
    """Fallback for values of unknown kind: keep only the first character."""
    value = str(value)
    return value[:1] + "*" * (len(value) - 1) if value else value

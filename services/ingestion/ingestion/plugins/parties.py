"""The `parties` normalizer (entry-point group ``crm.normalizers``): organisation (USCC
checked with python-stdnum), relations and credit of a record; see
ingestion.domain.parties."""
from __future__ import annotations

from typing import Any

from ingestion.domain.parties import normalize_parties


class PartiesNormalizer:
    """USCC check character, relation shares and targets, credit amounts and date."""

    name = "parties"

    def apply(self, record: dict) -> tuple[dict, list[dict[str, Any]]]:
        return normalize_parties(record)

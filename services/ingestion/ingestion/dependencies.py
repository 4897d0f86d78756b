"""Ingestion's dependency providers: the configured intake pipeline and its keys."""
from __future__ import annotations

import json
from functools import partial
from typing import Any

from nameko.extensions import DependencyProvider

from common.pii import Protector
from common.plugins import load_plugins

from .domain.intake import MAX_RECORD_BYTES, Accepted, Rejected, accept, raw_excerpt
from .domain.masking import mask_raw_text
from .plugins.normalizers import normalize_record, validate_required


class IntakePipeline:
    """Validate, normalize (configured plugins, in order) and protect one record."""

    def __init__(self, normalizers: list, protector: Protector,
                 max_record_bytes: int = MAX_RECORD_BYTES):
        self.protector = protector
        self.max_record_bytes = max_record_bytes
        self._normalize = partial(normalize_record, normalizers=normalizers)

    def process(self, raw) -> Accepted | Rejected:
        return accept(raw, self._normalize, validate_required, self.protector,
                      self.max_record_bytes)

    def seal_raw(self, raw) -> tuple[str, str]:
        """The raw input encrypted for the reject store, and a masked excerpt for people."""
        text = raw_excerpt(raw)
        return self.protector.encrypt(text), mask_raw_text(text[:300])

    def input_digest(self, raw) -> str | None:
        """A keyed digest of the raw input as it arrived, by which a redelivered
        message finds the rejects it kept before (redelivery.py); None for nothing."""
        text = raw if isinstance(raw, str) else \
            json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str)
        # an undecodable body's text may hold lone surrogates, which UTF-8 cannot encode
        return self.protector.blind_index(
            "input", text.encode("utf-8", "backslashreplace").decode("utf-8"))

    def rotate(self, token: str) -> str:
        """The same plaintext under the newest key of the ring (key rotation)."""
        return self.protector.rotate(token)

    def key_ids(self) -> list[str]:
        return list(self.protector.key_ids)

    def open_raw(self, sealed: str) -> str:
        return self.protector.decrypt(sealed)

    def opened_raw(self, sealed: str) -> Any:
        """The stored raw input as it arrived: the record, or an unreadable row's text."""
        text = self.open_raw(sealed)
        try:
            return json.loads(text)
        except ValueError:
            return text

    def masked_raw(self, sealed: str) -> str:
        """The whole stored raw input, masked: what an operator sees to repair it."""
        return mask_raw_text(self.open_raw(sealed))


class Pipeline(DependencyProvider):
    def setup(self) -> None:
        names = self.container.config.get("normalizers")
        plugins = load_plugins("crm.normalizers", names)  # unknown names fail here
        max_bytes = int(self.container.config.get("record_max_bytes", MAX_RECORD_BYTES))
        self.pipeline = IntakePipeline([cls() for cls in plugins.values()],
                                       Protector.from_env(), max_bytes)

    def get_dependency(self, worker_ctx) -> IntakePipeline:
        return self.pipeline

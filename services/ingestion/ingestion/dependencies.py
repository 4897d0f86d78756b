"""Ingestion's dependency providers: the configured intake pipeline and its keys."""
from __future__ import annotations

from functools import partial

from nameko.extensions import DependencyProvider

from common.pii import Protector, mask_text
from common.plugins import load_plugins

from .domain.intake import Accepted, Rejected, accept, raw_excerpt
from .plugins.normalizers import normalize_record, validate_required


class IntakePipeline:
    """Validate, normalize (configured plugins, in order) and protect one record."""

    def __init__(self, normalizers: list, protector: Protector):
        self.protector = protector
        self._normalize = partial(normalize_record, normalizers=normalizers)

    def process(self, raw) -> Accepted | Rejected:
        return accept(raw, self._normalize, validate_required, self.protector)

    def seal_raw(self, raw) -> tuple[str, str]:
        """The raw input encrypted for the reject store, and a masked excerpt for people."""
        text = raw_excerpt(raw)
        return self.protector.encrypt(text), mask_text(text[:300])

    def open_raw(self, sealed: str) -> str:
        return self.protector.decrypt(sealed)


class Pipeline(DependencyProvider):
    def setup(self) -> None:
        names = self.container.config.get("normalizers")
        plugins = load_plugins("crm.normalizers", names)  # unknown names fail here
        self.pipeline = IntakePipeline([cls() for cls in plugins.values()],
                                       Protector.from_env())

    def get_dependency(self, worker_ctx) -> IntakePipeline:
        return self.pipeline

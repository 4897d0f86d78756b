"""tools/stack/ingestion_rpc.call_ingestion: the stack's wait for ingestion's RPC queue."""
from __future__ import annotations

import pytest
from nameko.exceptions import UnknownService

from tools.stack.ingestion_rpc import call_ingestion


class _Proxies:
    """A proxy factory whose first `missing` proxies find no ingestion queue."""

    def __init__(self, missing: int):
        self.missing = missing
        self.opened = 0
        self.closed = 0
        self.ingestion = object()

    def __call__(self) -> "_Proxies":
        return self

    def __enter__(self) -> "_Proxies":
        self.opened += 1
        return self

    def __exit__(self, *exc) -> None:
        self.closed += 1

    def call(self, ingestion: object) -> str:
        if self.opened <= self.missing:
            raise UnknownService("ingestion")
        assert ingestion is self.ingestion
        return f"answered on proxy {self.opened}"


def test_retries_until_the_queue_exists_and_returns_the_answer():
    proxies = _Proxies(missing=2)
    assert call_ingestion(proxies, proxies.call, timeout=5, interval=0) == "answered on proxy 3"
    assert proxies.closed == 3


def test_gives_up_with_unknown_service_after_the_timeout():
    proxies = _Proxies(missing=10**6)
    with pytest.raises(UnknownService):
        call_ingestion(proxies, proxies.call, timeout=0.05, interval=0.01)
    assert proxies.opened > 1


def test_other_errors_are_not_retried():
    proxies = _Proxies(missing=0)

    def fails(_ingestion: object) -> None:
        raise ValueError("bad answer")

    with pytest.raises(ValueError):
        call_ingestion(proxies, fails, timeout=5, interval=0)
    assert proxies.opened == 1

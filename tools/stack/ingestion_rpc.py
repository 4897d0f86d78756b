"""Calls to ingestion made while `make up` is still bringing the services up.

The stack asks ingestion for its `local` client and its local operator right after
starting the services, when ingestion's RPC queue may not be declared yet: nameko then
raises UnknownService, so the call is retried until the queue exists or time runs out.
"""
from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")


def call_ingestion(proxy_factory: Callable, call: Callable[[object], T],
                   timeout: float = 60.0, interval: float = 1.0) -> T:
    """`call(proxy.ingestion)` on a proxy from `proxy_factory` (a context manager),
    retried every `interval` seconds while ingestion's RPC queue is not there yet;
    UnknownService is raised again once `timeout` seconds have passed."""
    from nameko.exceptions import UnknownService

    deadline = time.monotonic() + timeout
    while True:
        try:
            with proxy_factory() as proxy:
                return call(proxy.ingestion)
        except UnknownService:
            if time.monotonic() >= deadline:
                raise
            time.sleep(interval)

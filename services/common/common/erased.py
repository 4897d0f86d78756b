"""The `customer.erased` entrypoint shared by the services downstream of dedup.

Each of them reads the event the same way and must also drop the person from its
parked messages; only what it seals in its own stores differs (`seal_person`).
"""
from __future__ import annotations

from datetime import datetime

from nameko.events import event_handler

from contracts import names

from . import clock
from .erasure import read_erased
from .reliability import reliable


class ErasureHandler:
    """Mixin: expects `parked` (ServiceBase) and a `seal_person` of the service."""

    @event_handler("dedup", names.CUSTOMER_ERASED)
    @reliable
    def on_customer_erased(self, payload: dict) -> None:
        event, ids, erased_at = read_erased(payload, clock.now())
        self.parked.seal_about(ids)
        self.seal_person(event, ids, erased_at)

    def seal_person(self, event: dict, ids: list[str], erased_at: datetime) -> None:
        raise NotImplementedError

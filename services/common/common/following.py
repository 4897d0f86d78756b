"""The entrypoints of a service that keeps its own copy of dedup's golden customers.

Campaigns, groups, reporting and tiering each follow `customer.registered`,
`customer.updated` and `customer.merged` from dedup the same way: a batch entrypoint per
event type, reliable, handing the payloads to the service's own use case. Only that
use case differs (`follow`). The method names stay `on_registered`, `on_updated` and
`on_merged` in every service, because nameko names each queue after its service and
method (`evt-dedup-customer.merged--groups.on_merged`) and those names are public:
broker permissions, alerts and deploy files spell them.
"""
from __future__ import annotations

from contracts import names

from .batch import batch_event_handler, reliable_batch


class FollowsCustomers:
    """Mixin: dedup's golden-customer events, batched, into the service's `follow`."""

    @batch_event_handler("dedup", names.CUSTOMER_REGISTERED)
    @reliable_batch
    def on_registered(self, payloads: list[dict]) -> None:
        self.follow(names.CUSTOMER_REGISTERED, payloads)

    @batch_event_handler("dedup", names.CUSTOMER_UPDATED)
    @reliable_batch
    def on_updated(self, payloads: list[dict]) -> None:
        self.follow(names.CUSTOMER_UPDATED, payloads)

    @batch_event_handler("dedup", names.CUSTOMER_MERGED)
    @reliable_batch
    def on_merged(self, payloads: list[dict]) -> None:
        self.follow(names.CUSTOMER_MERGED, payloads)

    def follow(self, event_type: str, payloads: list[dict]) -> None:
        """One batch of raw payloads of `event_type` (one of the three above), as one
        unit of work; redelivered batches must change nothing (handlers are idempotent)."""
        raise NotImplementedError

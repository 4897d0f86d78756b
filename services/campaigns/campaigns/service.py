"""Campaigns: segments become call lists shared among staff; calls are recorded,
counted against the daily quota, signed off, ranked and sampled for audit (domain §9).

Follows golden customers, tiers and assignments from the pipeline's events into its
own read model (never another service's database); publishes `campaign.created`,
`call.logged` and `day.signed_off` on `campaigns.events` through its outbox.
"""
from __future__ import annotations

from common import clock
from common.base import ServiceBase
from common.batch import batch_event_handler, reliable_batch
from common.following import FollowsCustomers
from common.mongo import MongoStore
from common.rpcs import rpc
from contracts import names
from contracts.schemas import load_event
from nameko.timer import timer

from . import handlers, reports
from .dependencies import CampaignSettings
from .domain import segment
from .domain.texts import NOTE_LENGTH, text, texts
from .domain.follow import Fact
from .domain.plan import parse_day
from .erasure import Erasure
from .storage import CampaignsStore


class CampaignsService(FollowsCustomers, Erasure, ServiceBase):
    """`on_registered`, `on_updated` and `on_merged` (dedup's golden customers) come from
    FollowsCustomers, `on_customer_erased` (right to be forgotten) from Erasure."""

    name = "campaigns"
    store = MongoStore(CampaignsStore)
    settings = CampaignSettings()

    @batch_event_handler("tiering", names.TIER_CHANGED)
    @reliable_batch
    def on_tier_changed(self, payloads: list[dict]) -> None:
        self.follow(names.TIER_CHANGED, payloads)

    @batch_event_handler("assignment", names.CUSTOMER_ASSIGNED)
    @reliable_batch
    def on_assigned(self, payloads: list[dict]) -> None:
        self.follow(names.CUSTOMER_ASSIGNED, payloads)

    def follow(self, event_type: str, payloads: list[dict]) -> None:
        """Golden customers, tiers and assignments, as facts of the read model."""
        events = [load_event(event_type, p) for p in payloads]
        handlers.follow_batch(self.store, [Fact(event_type, e["occurred_at"], e)
                                           for e in events])

    # -- campaigns ----------------------------------------------------------------------
    @rpc(role="officer")
    def campaigns_create(self, name: str, branch: str, owner: str, starts: str, ends: str,
                         stars: list[str] | None = None, band: str | None = None,
                         intents: list[str] | None = None, maturing_within: int | None = None,
                         min_balance: str | None = None,
                         staff: list[str] | None = None) -> dict:
        """Build the call list from the segment as it is now and share it among `staff`
        (default: the owner alone)."""
        wanted = segment.criteria(text(branch, "branch"), texts(stars, "star"),
                                  text(band, "band"), texts(intents, "intent"),
                                  maturing_within, text(min_balance, "min-balance"))
        doc = handlers.create(self.store, self.events, wanted, text(name, "name", 200),
                              text(owner, "owner"), parse_day(starts, "from"),
                              parse_day(ends, "to"), texts(staff, "staff") or [],
                              clock.today(), clock.now(), self.door.new_id("cmp-"))
        return handlers.view(doc, [])

    @rpc(role="viewer")
    def campaigns_list(self, branch: str | None = None, status: str | None = None,
                       limit: int = 1000) -> list[dict]:
        docs = self.store.campaign_list(text(branch, "branch"), text(status, "status"),
                                        min(max(0, limit), 100_000))
        return handlers.on_calls(self.store, docs, reports.summary)

    @rpc(role="viewer")
    def campaigns_show(self, campaign_id: str) -> dict:
        doc = handlers.found(self.store, text(campaign_id, "campaign"))
        return handlers.on_calls(self.store, [doc], handlers.view)[0]

    @rpc(role="officer")
    def campaigns_close(self, campaign_id: str, feedback: str) -> dict:
        doc = handlers.close(self.store, text(campaign_id, "campaign"),
                             text(feedback, "feedback", NOTE_LENGTH), clock.now())
        return handlers.on_calls(self.store, [doc], handlers.view)[0]

    # -- calls --------------------------------------------------------------------------
    @rpc(role="officer")
    def calls_log(self, campaign_id: str, customer_id: str, by: str, seconds: int,
                  outcome: str, product: str | None = None, note: str | None = None) -> dict:
        call = handlers.log_call(self.store, self.events, self.settings,
                                 text(campaign_id, "campaign"), text(customer_id, "customer"),
                                 text(by, "by"), seconds, outcome, text(product, "product"),
                                 text(note, "note", NOTE_LENGTH), clock.today(), clock.now(),
                                 self.door.new_id("call-"))
        return reports.call_row(call)

    @rpc(role="viewer")
    def calls_day(self, day: str | None = None, branch: str | None = None) -> list[dict]:
        when = parse_day(day, "date") if day else clock.today()
        return reports.day(self.store, self.settings, when, text(branch, "branch"))

    @rpc(role="officer")
    def calls_signoff(self, day: str, branch: str, by: str, role: str) -> dict:
        return handlers.sign_off(self.store, self.events, self.settings, text(branch, "branch"),
                                 parse_day(day, "date"), text(by, "by"), role, clock.now())

    @rpc(role="viewer")
    def leaderboard(self, week: str) -> list[dict]:
        return reports.leaderboard(self.store, week)

    @rpc(role="viewer", personal=True)
    def calls_audit(self, month: str, branch: str, seed: str | None = None) -> dict:
        return reports.audit(self.store, self.settings, month, text(branch, "branch"),
                             text(seed, "seed"))

    @timer(interval=15)
    def refresh_gauges(self) -> None:
        """Today's effective calls and quota per branch, yesterday's shortfall, progress."""
        reports.refresh_gauges(self.store, self.settings, clock.today())

"""Dedup's RPCs for deciding reviews and explaining merges: read-only views.

`crm review show` calls :meth:`ReviewRpcs.review_show` (the two customers side by
side and the evidence the review was opened on), `crm review report` calls
:meth:`ReviewRpcs.reviews_report` (the same for every open review of a branch and
age; the command line renders the HTML page), `crm explain-merge` calls
:meth:`ReviewRpcs.explain_merge`. All answer with personal data (names, birth
dates): masked for viewers by the gate, and masked by default for everyone else.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from common import clock
from common.rpcs import rpc

from .domain.review_view import merge_history, review_view

MAX_REPORT = 500


def _iso(value: Any) -> Any:
    """Datetimes as ISO text, at any depth (RPC answers are JSON)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso(v) for v in value]
    return value


class ReviewRpcs:
    """Mixed into DedupService (which provides `store`)."""

    def _view(self, review: dict, unmasked: bool) -> dict:
        customers = {c["_id"]: c for c in self.store.customers.find(
            {"_id": {"$in": [review["customer_id"], review["candidate_id"]]}})}
        return _iso(review_view(review, customers.get(review["customer_id"]),
                                customers.get(review["candidate_id"]), unmasked))

    @rpc(role="viewer", personal=True)
    def review_show(self, review_id: str, unmasked: bool = False) -> dict:
        """One review (open or closed): both customers, the evidence, why it was opened.
        Ids of either form work: `RV...` and the older `record>candidate`."""
        review = self.store.get_review(review_id.strip())
        if not review:
            raise ValueError(f"no review {review_id}")
        return self._view(review, unmasked)

    @rpc(role="viewer", personal=True)
    def reviews_report(self, branch: str = "", older_than_seconds: int = 0,
                       limit: int = 200, unmasked: bool = False) -> list[dict]:
        """The open reviews of a branch (all when empty) opened at least
        `older_than_seconds` ago, oldest first, each as `review_show` answers."""
        if not 1 <= limit <= MAX_REPORT or older_than_seconds < 0:
            raise ValueError(f"reviews_report: limit 1 to {MAX_REPORT}, older_than_seconds >= 0")
        before = clock.now() - timedelta(seconds=older_than_seconds) \
            if older_than_seconds else None
        reviews = self.store.open_reviews(branch.strip(), before, limit)
        ids = list({i for r in reviews for i in (r["customer_id"], r["candidate_id"])})
        customers = {c["_id"]: c for c in self.store.customers.find({"_id": {"$in": ids}})}
        return [_iso(review_view(r, customers.get(r["customer_id"]),
                                 customers.get(r["candidate_id"]), unmasked))
                for r in reviews]

    @rpc(role="viewer", personal=True)
    def explain_merge(self, customer_id: str) -> dict:
        """Which records were merged into the customer (or into customers it absorbed)
        automatically or by an accepted review, and on what evidence."""
        customer_id = customer_id.strip()
        doc = self.store.get(customer_id)
        if doc is None:
            raise ValueError(f"no customer {customer_id}")
        ids = [customer_id, *(doc.get("merged_ids") or ())]
        return _iso(merge_history(customer_id, doc, self.store.merges_into(ids)))

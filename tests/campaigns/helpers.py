"""Helpers of the campaigns tests: a branch of customers published like upstream does."""
from __future__ import annotations

from tests.assignment.helpers import customer_ids
from tests.assignment.people import person

STAR_ASSETS = {"2": 20_000, "3": 120_000}


def customer(branch: str, star: str, refuses: bool = False, **extra) -> dict:
    """An intake record of a `star`-star customer (1: no business with the bank yet)."""
    if star == "1":
        record = person(branch, 0, **extra)
        record["financials"] = {"avg_daily_assets": None, "has_relationship": False}
    else:
        record = person(branch, STAR_ASSETS[star], **extra)
    if refuses:
        record["consent"] = {"marketing": False}
    return record


def publish_pool(stack, records: list[dict]) -> dict[str, str]:
    """Publish with a plain AMQP client (kombu), wait until every service is done ->
    external_id -> golden customer id."""
    for record in records:
        stack.publish(record)
    stack.drain()
    ids = customer_ids(stack, records)
    stack.drain()  # the read models of the late queues (tier.changed, assigned) too
    return ids


def create(stack, name: str, branch: str, *options: str) -> dict:
    rows = stack.crm_json("campaigns", "create", name, "--branch", branch, "--owner",
                          f"{branch}-OWNER", "--from", "2000-01-01", "--to", "2099-12-31",
                          *options, "--json")
    assert len(rows) == 1, rows
    return rows[0]


def log(stack, campaign_id: str, customer_id: str, by: str, seconds: int,
        outcome: str = "no_answer", *options: str, check: bool = True):
    return stack.crm("calls", "log", campaign_id, customer_id, "--by", by, "--seconds",
                     str(seconds), "--outcome", outcome, *options, check=check)

"""Which routing key a dead letter goes back under (pure: no broker)."""
from __future__ import annotations

from crm_cli.deadletters import DeadLetter, replay_key


def letter(queue: str, key: str) -> DeadLetter:
    return DeadLetter(id="x", queue=queue, exchange="tiering.events", routing_key=key,
                      reason="rejected", count=1, died_at="", user_id=None, size=2)


def test_an_event_that_died_in_a_pipeline_queue_before_batch_keys_goes_back_under_its_batch_key():
    queue = "evt-tiering-tier.changed--assignment.on_tier_changed"
    assert replay_key(letter(queue, "tier.changed")) == "batch.tier.changed"
    assert replay_key(letter(queue, "batch.tier.changed")) == "batch.tier.changed"


def test_other_dead_letters_keep_their_key():
    erased = "evt-dedup-customer.erased--tiering.on_customer_erased"  # consumed one by one
    assert replay_key(letter(erased, "customer.erased")) == "customer.erased"
    assert replay_key(letter("crm.intake.ingestion", "customer.created")) == "customer.created"

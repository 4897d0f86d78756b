"""crm deadletters: what a dead-lettered message's headers say, and what a replay sends."""
from datetime import datetime, timezone

from crm_cli import deadletters
from tools.stack import access

DIED = datetime(2026, 12, 2, 1, 0, tzinfo=timezone.utc)
PROPERTIES = {
    "content_type": "application/json", "delivery_mode": 2, "expiration": "1000",
    "user_id": "upstream",
    "application_headers": {
        "nameko.correlation_id": "c-1",
        "x-death": [{"count": 2, "reason": "expired", "queue": "crm.intake.ingestion",
                     "time": DIED, "exchange": "crm.intake",
                     "routing-keys": ["customer.created"]},
                    {"count": 1, "reason": "rejected", "queue": "crm.intake.erase",
                     "time": DIED, "exchange": "crm.intake", "routing-keys": ["customer.erase"]}],
        "x-first-death-queue": "crm.intake.erase", "x-first-death-reason": "rejected",
        "x-first-death-exchange": "crm.intake"}}


def test_the_queue_name_is_the_one_the_stack_declares():
    assert deadletters.DEAD_LETTER_QUEUE == access.DEAD_LETTER_QUEUE


def test_describe_reads_the_latest_death():
    found = deadletters.describe(b'{"a": 1}', PROPERTIES)
    assert (found.queue, found.exchange, found.routing_key, found.reason, found.count) == \
        ("crm.intake.ingestion", "crm.intake", "customer.created", "expired", 2)
    assert found.died_at == DIED.isoformat() and found.size == 8 and found.user_id == "upstream"


def test_the_id_is_stable_and_prefers_the_message_id():
    body = b'{"a": 1}'
    assert deadletters.letter_id(body, {}) == deadletters.letter_id(body, {"x": 1})
    assert deadletters.letter_id(body, {}) != deadletters.letter_id(b'{"a": 2}', {})
    assert deadletters.letter_id(body, {"message_id": "m-7"}) == "m-7"


def test_a_message_without_death_headers_is_described_empty():
    found = deadletters.describe(b"x", {})
    assert (found.queue, found.exchange, found.routing_key, found.count) == ("", "", "", 0)


def test_a_replay_drops_the_death_record_and_the_expiration_and_keeps_the_rest():
    out = deadletters.replay_properties(PROPERTIES)
    assert "expiration" not in out
    assert out["application_headers"] == {"nameko.correlation_id": "c-1"}
    assert out["content_type"] == "application/json" and out["delivery_mode"] == 2
    assert "x-death" in PROPERTIES["application_headers"]  # the original is untouched

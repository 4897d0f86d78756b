"""A message the database cannot store as a document is still parked, against the real
database: kept as its JSON text (a string with a lone surrogate, which JSON carries as
an escape and BSON refuses; more than the document limit, cut), replayable when whole,
and sealed by an erasure of the customer it is about. Refused, the parking raised and
the message was lost (nameko acknowledges a message whose handler raised)."""
from __future__ import annotations

import pytest
from marshmallow import ValidationError

from common.parked import MAX_TEXT, payload_of
from common.reliability import ParkedMessages, reliable

pytestmark = pytest.mark.integration


class Service:
    name = "scratch"

    def __init__(self, parked: ParkedMessages) -> None:
        self.parked = parked

    @reliable
    def on_thing(self, payload):
        raise ValidationError("not a thing")  # parked at once


@pytest.fixture
def parked(outbox_collection):
    store = ParkedMessages(outbox_collection.database["parked"])
    store.ensure_indexes()
    return store


def test_an_unstorable_message_is_parked_as_text_replayable_and_sealable(parked):
    payload = {"event_id": "e-1", "customer_id": "C9", "name": "王\udcff"}
    assert Service(parked).on_thing(payload) is None
    [row] = parked.take(None)
    assert row["payload"] is None and row["about"] == ["C9"]
    assert payload_of(row) == payload and "ValidationError" in row["reason"]
    assert Service(parked).on_thing(payload) is None  # a redelivery: the same row
    [row] = parked.take(None)
    assert row["times_parked"] == 2
    assert parked.seal_about(["C9"]) == 1
    [row] = parked.collection.find()
    assert row["payload"] == {"erased": True} and "payload_json" not in row


def test_a_message_over_the_document_limit_is_kept_cut_and_not_replayed(parked):
    payload = {"event_id": "e-2", "blob": "x" * 17_000_000}
    assert Service(parked).on_thing(payload) is None
    [row] = parked.take(None)
    assert row["truncated"] is True and len(row["payload_json"]) == MAX_TEXT
    assert payload_of(row) is None

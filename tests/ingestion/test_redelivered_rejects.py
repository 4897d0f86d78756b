"""A message redelivered after its batch committed keeps its bad inputs once.

The worker died between the commit and the acknowledgement, so the broker delivers
the message again, marked `redelivered`. Its records decide again from what is stored;
its bad inputs used to be kept as rejects a second time. On the real broker (the flag
as kombu hands it over) and the real database (the use cases as the service runs them).
"""
from __future__ import annotations

import uuid

import pytest
from cryptography.fernet import Fernet
from kombu import Connection, Exchange, Queue
from pymongo import MongoClient
from pymongo.errors import AutoReconnect

from common.batch import reliable_batch, with_sender
from common.mongo import in_transaction as real_in_transaction
from common.parked import ParkedMessages
from common.events import Outbox
from common.pii import Protector
from ingestion import erasure as erasure_module
from ingestion import handlers, http_intake
from ingestion.dependencies import IntakePipeline
from ingestion.erasure import erase_message
from ingestion.intake_auth import delivered, sort_inputs
from ingestion.plugins.normalizers import BUILTIN_NORMALIZERS
from ingestion.redelivery import Origin
from ingestion.storage import IngestionStore

pytestmark = pytest.mark.integration

PIPELINE = IntakePipeline(list(BUILTIN_NORMALIZERS),
                          Protector(Fernet.generate_key().decode(), "redelivery-key"))
CLIENT = {"_id": "bank-a", "sources": ["crm"], "may_erase": True}
GOOD = {"source": "crm", "external_id": "R-1", "name": "王芳", "phone": "13800138000"}
BAD = {"source": "crm", "external_id": "R-2", "phone": "13800138001"}  # no name
FORBIDDEN = {"source": "branch", "external_id": "R-3", "name": "李雷"}


@pytest.fixture
def store(stack):
    client = MongoClient(stack.env["MONGO_URI"], tz_aware=True)
    name = f"crm_scratch_redelivery_{uuid.uuid4().hex[:6]}"
    store = IngestionStore(client[name])
    store.ensure_indexes()
    yield store
    client.drop_database(name)
    client.close()


def payloads_as_delivered(stack, bodies: list, requeue_first: bool) -> list:
    """`bodies` through a scratch queue of the real broker, as `with_sender` hands them
    to the intake handler; with `requeue_first` each is delivered, not acknowledged and
    requeued first (what a worker that died leaves), so the broker marks it redelivered."""
    name = f"crm.scratch.{uuid.uuid4().hex[:8]}"
    queue = Queue(name, Exchange(""), routing_key=name, durable=False)
    with Connection(stack.env["AMQP_URI"]) as conn:
        bound = queue(conn.default_channel)
        bound.declare()
        try:
            for body in bodies:
                conn.Producer().publish(body, routing_key=name, serializer="json")
            if requeue_first:  # all taken first: a requeued message goes back to the head
                for message in [bound.get(no_ack=False) for _ in bodies]:
                    message.requeue()
            got = [bound.get(no_ack=False) for _ in bodies]
            for message in got:
                message.ack()
            return [with_sender(message.payload, message) for message in got]
        finally:
            bound.delete()


def intake(store: IngestionStore, payloads: list, step: int = 500) -> list[dict]:
    records, refused = sort_inputs(delivered(payloads), lambda user: CLIENT)
    return handlers.intake_batch(store, Outbox(store.db["outbox"], lambda t, b: None),
                                 PIPELINE, records, refused, step)


def open_rejects(store: IngestionStore, channel: str) -> list[dict]:
    return list(store.rejects.find({"channel": channel, "status": "open"}))


def test_the_broker_marks_a_requeued_message_redelivered(stack):
    first, again = (payloads_as_delivered(stack, [GOOD], requeue) for requeue in (False, True))
    assert [came.again for *_, came in delivered(first)] == [False]
    assert [came.again for *_, came in delivered(again)] == [True]


def test_a_redelivered_intake_message_keeps_its_bad_inputs_once(stack, store):
    bodies = [[GOOD, BAD, BAD], FORBIDDEN, "\udcff{not json"]
    intake(store, payloads_as_delivered(stack, bodies, requeue_first=False))
    kept = open_rejects(store, "amqp")
    assert sorted(r["reason"] for r in kept) == [
        "no_name_or_identifier", "no_name_or_identifier", "not_an_object", "source_not_allowed"]
    assert all(r["input_digest"] for r in kept) and store.records.count_documents({}) == 1

    intake(store, payloads_as_delivered(stack, bodies, requeue_first=True))
    assert sorted(r["_id"] for r in open_rejects(store, "amqp")) == \
        sorted(r["_id"] for r in kept)  # the same two BADs, string and FORBIDDEN, no more

    intake(store, payloads_as_delivered(stack, [BAD], requeue_first=False))
    assert len(open_rejects(store, "amqp")) == 5  # a new send of the same input: its own


def test_a_redelivered_message_whose_reject_was_replayed_meanwhile_keeps_it_again(stack,
                                                                                  store):
    """Only an open reject stands for an input: nothing is lost if the first delivery
    had not committed after all and an identical older reject was closed."""
    intake(store, payloads_as_delivered(stack, [BAD], requeue_first=False))
    store.rejects.update_many({}, {"$set": {"status": "replayed"}})
    intake(store, payloads_as_delivered(stack, [BAD], requeue_first=True))
    assert len(open_rejects(store, "amqp")) == 1


def test_a_redelivered_erase_message_keeps_its_reject_once(stack, store):
    outbox = Outbox(store.db["outbox"], lambda t, b: None)
    refused = [{"source": "crm"}]  # neither external_id nor customer_id
    for again in (False, True, True):
        erase_message(store, outbox, PIPELINE, CLIENT, refused, Origin(again=again))
        erase_message(store, outbox, PIPELINE, None, {"customer_id": "c-1"},
                      Origin(again=again))
    reasons = sorted(r["reason"] for r in open_rejects(store, "erase"))
    assert len(reasons) == 2 and "unauthenticated" in reasons


class InsertFailsOnce:
    """The rejects collection, whose `at`-th insert fails once as if the database went
    away (the second: the batch's first slice has committed by then)."""

    def __init__(self, collection, at: int):
        self._collection, self.inserts, self.at = collection, 0, at

    def __getattr__(self, name):
        return getattr(self._collection, name)

    def insert_many(self, docs, **kwargs):
        self.inserts += 1
        if self.inserts == self.at:
            raise AutoReconnect("database away")
        return self._collection.insert_many(docs, **kwargs)


class Intake:
    """What reliable_batch needs of the ingestion service, around the intake use case
    in slices of one record (each slice its own unit of work)."""
    name = "ingestion"

    def __init__(self, store: IngestionStore):
        self.store, self.parked = store, ParkedMessages(store.db["parked"])

    @reliable_batch
    def on_intake(self, payloads: list) -> None:
        intake(self.store, payloads, step=1)


def test_a_batch_retried_after_its_first_slice_committed_keeps_each_bad_input_once(stack,
                                                                                   store):
    """Retried in place, the batch's messages were not redelivered by the broker: the
    retry finds the first slice's reject by its delivery's planned id (redelivery.py),
    else it was kept twice."""
    store.rejects = InsertFailsOnce(store.rejects, at=2)
    other_bad = {**BAD, "external_id": "R-9"}
    Intake(store).on_intake(payloads_as_delivered(stack, [BAD, other_bad, GOOD], False))
    assert sorted(r["external_id"] for r in open_rejects(store, "amqp")) == ["R-2", "R-9"]
    assert store.rejects.inserts == 3, "the second slice failed once, then committed"
    assert store.records.count_documents({}) == 1


def commits_then_runs_again(db, work, races=5):
    """A commit whose answer was lost: the driver retried it, the server no longer knew
    the transaction and answered with a transient error, so the work ran again."""
    real_in_transaction(db, work)
    return real_in_transaction(db, work, races)


def test_a_unit_of_work_run_again_after_its_commit_keeps_each_bad_input_once(
        stack, store, monkeypatch):
    monkeypatch.setattr(handlers, "in_transaction", commits_then_runs_again)
    intake(store, payloads_as_delivered(stack, [[GOOD, BAD], FORBIDDEN], False))
    assert sorted(r["reason"] for r in open_rejects(store, "amqp")) == [
        "no_name_or_identifier", "source_not_allowed"]
    intake(store, payloads_as_delivered(stack, [FORBIDDEN], False))  # no records: own unit
    assert len(open_rejects(store, "amqp")) == 3


def test_an_http_request_run_again_after_its_commit_keeps_each_bad_input_once(
        store, monkeypatch):
    """HTTP inputs have no broker delivery: the request names their rejects itself."""
    monkeypatch.setattr(handlers, "in_transaction", commits_then_runs_again)
    outbox = Outbox(store.db["outbox"], lambda t, b: None)
    results = http_intake.judged(CLIENT, [GOOD, BAD], lambda entries, channel, extra:
                                 handlers.ingest_batch(store, outbox, PIPELINE, entries,
                                                       channel, extra=extra))
    [kept] = open_rejects(store, "http")
    assert results[1]["reject_id"] == str(kept["_id"]) and kept["external_id"] == "R-2"


def test_an_erase_message_run_again_after_its_commit_keeps_its_reject_once(
        stack, store, monkeypatch):
    monkeypatch.setattr(erasure_module, "in_transaction", commits_then_runs_again)
    outbox = Outbox(store.db["outbox"], lambda t, b: None)
    valid = {"customer_id": "c-1", "requested_by": "crm:dpo"}
    [(_, body, came)] = delivered(payloads_as_delivered(stack, [[{"source": "crm"}, valid]],
                                                        False))
    erase_message(store, outbox, PIPELINE, CLIENT, body, came)
    assert len(open_rejects(store, "erase")) == 1


def test_a_batch_retried_before_anything_committed_keeps_an_input_another_message_sent_too(
        stack, store):
    """An input's own earlier run is found by its planned id, not by its content: an
    identical bad input of another message, kept before, does not stand for it."""
    intake(store, payloads_as_delivered(stack, [BAD], False))
    store.rejects = InsertFailsOnce(store.rejects, at=1)  # the retried batch's first insert
    Intake(store).on_intake(payloads_as_delivered(stack, [BAD, GOOD], False))
    assert [r["external_id"] for r in open_rejects(store, "amqp")] == ["R-2", "R-2"]

"""domain/batch.py and handlers: a batch decided as one by one, queued once, delivered after.

Pure: the transaction and the collections are in-memory fakes.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from common.events import Outbox
from notification import batch_store, handlers
from notification.dependencies import Messenger, template_environment
from notification.domain import batch

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)
DISPLAY = {"name": "王*", "phone": "138****8000"}


def assigned(cid: str, manager: str, previous: str | None = None, eid: str = "") -> dict:
    return {"event_id": eid or f"a-{cid}-{manager}", "customer_id": cid, "manager_id": manager,
            "previous_manager_id": previous, "display": DISPLAY, "reason": "new"}


def tier(cid: str, scheme: str, direction: str, current: str = "A") -> dict:
    return {"event_id": f"t-{cid}-{scheme}-{direction}", "customer_id": cid, "scheme": scheme,
            "direction": direction, "current": current, "display": DISPLAY,
            "registered_by": "s1"}


def test_assigned_later_event_wins_and_erased_customers_lose_their_display():
    out = batch.decide_assigned([assigned("c1", "m1"), assigned("c1", "m2", "m1"),
                                 assigned("c2", "m3")], {"c2": {"erased": True}})
    assert out.maintainers == {"c1": "m2", "c2": "m3"} and out.intents == {}
    assert [[m.recipient for m in ms] for _, ms in out.notices] == [["m1"], ["m2", "m1"], ["m3"]]
    assert out.notices[2][0]["display"] == {} and out.notices[0][0]["display"] == DISPLAY


def test_tier_changes_tell_maintainer_and_restart_open_prospects_clocks_only():
    due = lambda cls, since: since + timedelta(days=7)  # noqa: E731
    events = [tier("c1", "star", "up"), tier("c2", "intent", "new"), tier("c3", "intent", "up"),
              tier("c4", "star", "new"), tier("c5", "intent", "up")]
    out = batch.decide_tier_changes(events, {"c1": {"manager_id": "m1"},
                                             "c5": {"erased": True, "manager_id": "m5"}},
                                    {"c3": {"outcome": "converted"}}, due, NOW)
    assert out.intents["c2"]["due_at"] == NOW + timedelta(days=7)
    assert out.intents["c3"]["due_at"] is None and "c5" not in out.intents
    assert [(e["customer_id"], [m.recipient for m in ms]) for e, ms in out.notices] == [
        ("c1", ["m1"]), ("c2", []), ("c3", []), ("c5", ["m5"])]
    assert out.notices[3][0]["display"] == {}


MESSENGER = Messenger({"log": object(), "email": object()}, template_environment(),
                      {"channel": "log", "language": "zh-CN"})


def test_each_event_recipient_and_channel_queued_once():
    notices = batch.decide_assigned([assigned("c1", "m1", eid="e1"),
                                     assigned("c1", "m1", eid="e1"),
                                     assigned("c2", "m2", eid="e2"),
                                     assigned("c3", "m3", eid="e3")], {}).notices
    rows = batch.messages_to_queue(notices, {"m2": {"channel": "email", "language": "en"}},
                                   {("e3", "m3", "log")}, MESSENGER)
    assert [(r["event_id"], r["recipient"], r["channel"], r["language"]) for r in rows] == [
        ("e1", "m1", "log", "zh-CN"), ("e2", "m2", "email", "en")]
    assert rows[0]["subjects"] == ["c1"] and "王*" in rows[0]["text"]


@pytest.mark.parametrize("attempts, error, expected", [
    (1, None, ("sent", None)), (1, OSError("down"), ("retry", 2.0)),
    (5, OSError("down"), ("failed", None))])
def test_attempt_outcome(attempts, error, expected):
    attempt = batch.attempt_outcome(attempts, error, 5, 2.0)
    assert (attempt.status, attempt.delay) == expected
    assert (attempt.error is None) == (error is None)


@pytest.mark.parametrize("attempt, status, attempts, due_in", [
    (None, "pending", 0, 0), (batch.Attempt("sent", 1), "sent", 0, 0),
    (batch.Attempt("retry", 1, "OSError: down", 4.0), "pending", 1, 4),
    (batch.Attempt("failed", 5, "OSError: down"), "failed", 5, 0)])
def test_a_message_is_stored_as_its_first_attempt_left_it(attempt, status, attempts, due_in):
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    fields = batch.first_attempt_fields(attempt, now)
    assert (fields["status"], fields["attempts"]) == (status, attempts)
    assert fields["next_attempt_at"] == now + timedelta(seconds=due_in)
    assert ("error" in fields) == (attempt is not None and attempt.status != "sent")


class FakeCollection:
    def __init__(self, rows=()) -> None:
        self.rows = {r["_id"]: r for r in rows}
        self.writes: list = []

    def find(self, query, projection=None, session=None):
        if "event_ids" in query:  # the event outbox's passes (common.outbox_store)
            wanted = set(query["event_ids"]["$in"])
            return [r for r in self.rows.values() if wanted & set(r.get("event_ids", ()))]
        if "_id" in query:
            return [self.rows[i] for i in query["_id"]["$in"] if i in self.rows]
        return [r for r in self.rows.values() if r.get("event_id") in query["event_id"]["$in"]]

    def insert_many(self, rows, ordered=True, session=None):
        for row in rows:
            self.rows[row["_id"]] = row

    def insert_one(self, row, session=None):
        self.insert_many([row])

    def bulk_write(self, ops, ordered=True, session=None):
        self.writes.append(ops)

    def update_many(self, *args, **kwargs):
        pass

    name = "outbox"

    @property
    def database(self) -> dict:
        """The passes' keys documents beside them (common.outbox_store)."""
        return {"outbox_keys": self.__dict__.setdefault("_keys", type(self)())}


class Sender(Messenger):
    def __init__(self, fail: set) -> None:
        super().__init__({"log": object()}, template_environment(),
                         {"channel": "log", "language": "en"})
        self.sent, self.fail = [], fail

    def send(self, channel, address, subject, text, meta) -> None:
        if meta["recipient"] in self.fail:
            raise ConnectionError("refused")
        self.sent.append(meta)


@pytest.fixture
def units(monkeypatch):
    monkeypatch.setattr(handlers, "in_transaction", lambda db, work, races=0: work("session"))
    store = type("S", (), {"db": None, "maintained": FakeCollection(),
                           "preferences": FakeCollection(), "outbox": FakeCollection()})()
    followups = type("F", (), {"prospects": FakeCollection()})()
    events: list = []
    outbox = Outbox(FakeCollection(), lambda t, body: events.append((t, body)))
    return handlers.Units(store, followups, Sender({"m2"}), outbox, 5, 2.0), events


def test_batch_sends_then_records_each_message_once_as_its_attempt_left_it(units):
    unit, events = units
    payloads = [assigned("c1", "m1"), assigned("c2", "m2")]
    docs = handlers.notify_batch(unit, {"c1", "c2"},
                                 lambda m, p: batch.decide_assigned(payloads, m), True)
    assert [m["recipient"] for m in unit.messenger.sent] == ["m1"]
    assert [(d["recipient"], d["status"], d["attempts"]) for d in docs] == [
        ("m1", "sent", 0), ("m2", "pending", 1)]
    assert "refused" in docs[1]["error"] and docs[1]["next_attempt_at"] > docs[1]["created_at"]
    assert unit.store.outbox.writes == []  # inserted as they are: no update after
    assert [t for t, _ in events] == ["notification.sent"]
    # redelivered: nothing queued, nothing sent again
    assert handlers.notify_batch(unit, {"c1", "c2"},
                                 lambda m, p: batch.decide_assigned(payloads, m), True) == []
    assert len(unit.messenger.sent) == 1


def test_a_unit_of_work_run_again_sends_nothing_twice(units, monkeypatch):
    unit, events = units
    runs: list = []

    collections = [unit.store.outbox, unit.store.maintained, unit.followups.prospects,
                   unit.outbox.collection, unit.outbox.store.keys]

    def conflict_once(db, work, races=0):
        before = [dict(c.rows) for c in collections]
        runs.append(work("session"))  # aborted by a write conflict: undone, run again
        for collection, rows in zip(collections, before):
            collection.rows = rows
        return work("session")
    monkeypatch.setattr(handlers, "in_transaction", conflict_once)
    payloads = [assigned("c1", "m1")]
    docs = handlers.notify_batch(unit, {"c1"},
                                 lambda m, p: batch.decide_assigned(payloads, m), True)
    assert len(unit.messenger.sent) == 1 and docs[0]["_id"] == runs[0][0]["_id"]
    assert [t for t, _ in events] == ["notification.sent"]


def test_messages_past_the_sending_time_are_left_due_for_the_timer(units):
    unit, _ = units
    rows = [{"event_id": f"e{n}", "recipient": "m1", "channel": "log", "address": "m1",
             "subject": "s", "text": "t"} for n in range(2)]
    tried: dict = {}
    attempted = handlers.send_once(unit, rows, tried, started=0.0, budget=-1)
    assert [a for _, a in attempted] == [None, None] and unit.messenger.sent == []
    docs = batch_store.record_messages(unit.store.outbox, attempted, None)
    assert {(d["status"], d["attempts"]) for d in docs} == {("pending", 0)}
    assert all(d["next_attempt_at"] == d["created_at"] for d in docs)


def test_slow_deliveries_leave_the_rest_to_the_retry_timer(units):
    unit, _ = units
    docs = batch_store.record_messages(unit.store.outbox, [
        ({"_id": n, "event_id": f"e{n}", "recipient": "m1", "channel": "log", "address": "m1",
          "subject": "s", "text": "t"}, None) for n in range(3)], None)
    assert handlers.deliver_many(unit, docs, budget=-1) == 0
    assert handlers.deliver_many(unit, docs) == 3


def test_retried_attempts_and_their_outcome_events_commit_together(units, monkeypatch):
    unit, events = units
    docs = batch_store.record_messages(unit.store.outbox, [
        ({"_id": n, "event_id": f"e{n}", "recipient": r, "channel": "log", "address": r,
          "subject": "s", "text": "t"}, None) for n, r in ((1, "m1"), (2, "m2"))], None)
    sessions: list = []

    def failing(db, work, races=0):
        work("session")
        sessions.append([len(unit.store.outbox.writes), len(unit.outbox.collection.rows)])
        raise ConnectionError("the database went away before the commit")
    monkeypatch.setattr(handlers, "in_transaction", failing)
    with pytest.raises(ConnectionError):
        handlers.deliver_many(unit, docs)
    assert sessions == [[1, 1]] and events == []  # both written in the unit, nothing sent
    unit.store.outbox.writes, unit.outbox.collection.rows = [], {}  # the abort undid both
    unit.outbox.store.keys.rows = {}
    monkeypatch.setattr(handlers, "in_transaction", lambda db, work, races=0: work("session"))
    assert handlers.deliver_many(unit, docs) == 2
    # m1 sent (an outcome), m2 refused and left for a retry (not an outcome yet)
    assert [(t, b["recipient"]) for t, b in events] == [("notification.sent", "m1")]
    assert len(unit.store.outbox.writes) == 1
    assert handlers.deliver_many(unit, []) == 0 and len(unit.store.outbox.writes) == 1


def test_only_prospects_still_due_are_reminded_and_each_clock_moves_with_its_reminder():
    due = lambda cls, since: since + timedelta(days=7) if cls != "D" else None  # noqa: E731
    earlier = NOW - timedelta(hours=1)
    prospects = {"c1": {"_id": "c1", "intent_class": "A", "due_at": earlier,
                        "registered_by": "s1"},
                 "c2": {"_id": "c2", "intent_class": "A", "due_at": NOW + timedelta(days=7)},
                 "c3": {"_id": "c3", "intent_class": "B", "due_at": None},
                 "c4": {"_id": "c4", "intent_class": "D", "due_at": earlier}}
    out = batch.decide_reminders(prospects, {"c1": {"manager_id": "m1"}}, due,
                                 {"A": 7, "B": 14}, NOW)
    # c2 was moved by a replica or a follow-up first; c3's clock is stopped
    assert out.intents == {"c1": {"due_at": NOW + timedelta(days=7)}, "c4": {"due_at": None}}
    assert [(e["event_id"], [m.recipient for m in ms]) for e, ms in out.notices] == [
        (f"followup:c1:{earlier.isoformat()}", ["m1"])]  # D has no interval: no message


def test_reminders_and_their_clocks_commit_in_one_unit_of_work(units):
    unit, _ = units
    earlier = NOW - timedelta(hours=1)
    unit.followups.prospects.rows = {"c1": {"_id": "c1", "intent_class": "A",
                                            "due_at": earlier, "registered_by": "s1"}}
    later = lambda cls, since: since + timedelta(days=7)  # noqa: E731
    docs = handlers.notify_batch(
        unit, {"c1"}, lambda m, p: batch.decide_reminders(p, m, later, {"A": 7}, NOW), True)
    assert [(d["event_id"], d["recipient"]) for d in docs] == [
        (f"followup:c1:{earlier.isoformat()}", "s1")]
    [moves] = unit.followups.prospects.writes
    assert [(op._filter, op._doc) for op in moves] == [
        ({"_id": "c1"}, {"$set": {"due_at": NOW + timedelta(days=7)}})]


def test_a_message_failing_again_after_a_requeue_is_announced_again(units):
    """`crm notifications retry` starts a failed message's attempts over: its second
    failure is a new outcome, not the first one's event id (which the outbox knows)."""
    unit, events = units
    doc = {"_id": 7, "event_id": "e7", "recipient": "m2", "channel": "log",
           "address": "m2", "subject": "s", "text": "t", "attempts": 4}
    handlers.deliver_many(unit, [dict(doc)])
    handlers.deliver_many(unit, [dict(doc)])  # the same outcome run again: known
    handlers.deliver_many(unit, [{**doc, "requeued": 1}])
    failed = [body["event_id"] for kind, body in events if kind == "notification.failed"]
    assert len(failed) == 2 and len(set(failed)) == 2

"""redelivery.py and the `redelivered` mark: which rejects stand for a redelivered
message's inputs. Pure: the rejects collection is a list behind a `find`."""
from __future__ import annotations

from types import SimpleNamespace

from bson import ObjectId

from common.batch import redelivered, with_sender
from ingestion.intake_auth import delivered
from ingestion.redelivery import KeptBefore, Origin


class Rejects:
    def __init__(self, rows: list[dict]) -> None:
        self.rows, self.queries = rows, []

    def find(self, query, projection=None, session=None):
        self.queries.append(query)
        field = "_id" if "_id" in query else "input_digest"
        wanted = set(query[field]["$in"])
        return [r for r in self.rows if r.get(field) in wanted]


def message(again: bool | None, user: str = "intake-a") -> SimpleNamespace:
    info = {} if again is None else {"redelivered": again}
    return SimpleNamespace(properties={"user_id": user}, delivery_info=info)


def test_a_redelivered_message_is_marked_and_the_mark_cannot_be_forged():
    assert redelivered(with_sender({"source": "a"}, message(True)))
    assert not redelivered(with_sender({"source": "a"}, message(False)))
    assert not redelivered(with_sender({"source": "a"}, message(None)))
    assert not redelivered({"redelivered": True, "source": "a"})  # a body, not a pair
    sent = delivered([with_sender([1], message(True)), with_sender(2, message(False, ""))])
    assert [(user, body, came.again) for user, body, came in sent] == \
        [("intake-a", [1], True), (None, 2, False)]
    assert sent[0][2].delivery != sent[1][2].delivery, "each delivery is named afresh"


def test_a_delivery_names_the_reject_of_each_input_the_same_in_every_run():
    came = delivered([with_sender([1, 2], message(False))])[0][2]
    first, second = came.at(0).reject_id, came.at(1).reject_id
    assert first == came.at(0).reject_id, "the same id in every run of the delivery"
    assert first != second and first.generation_time == ObjectId(came.delivery).generation_time
    other = delivered([with_sender([1, 2], message(False))])[0][2]
    assert other.at(0).reject_id not in (first, second), "another delivery, other ids"
    assert Origin(again=True).reject_id is None  # a payload parked before deliveries had ids


def test_a_planned_reject_kept_by_an_earlier_run_stands_for_its_input():
    came = Origin(delivery=str(ObjectId()))
    kept, fresh = came.at(0).reject_id, came.at(1).reject_id
    rejects = Rejects([{"_id": kept, "input_digest": "d1", "status": "replayed",
                        "channel": "amqp"}])
    before = KeptBefore.read(rejects, "amqp", [], planned=[kept, fresh, None])
    assert rejects.queries == [{"_id": {"$in": sorted([kept, fresh])}}]
    assert before.stands_for(kept, False, "d1") == kept  # found by id, whatever its status
    assert before.stands_for(fresh, False, "d1") is None
    assert before.stands_for(fresh, True, "d1") is None  # the digest's reject is not open


def test_only_open_rejects_of_the_channel_stand_for_an_input_each_once():
    rejects = Rejects([
        {"_id": 2, "input_digest": "d1", "status": "open", "channel": "amqp"},
        {"_id": 1, "input_digest": "d1", "status": "open", "channel": "amqp"},
        {"_id": 3, "input_digest": "d2", "status": "replayed", "channel": "amqp"},
        {"_id": 4, "input_digest": "d3", "status": "open", "channel": "erase"}])
    before = KeptBefore.read(rejects, "amqp", ["d1", "d2", "d3", None, "d1"])
    assert rejects.queries == [{"input_digest": {"$in": ["d1", "d2", "d3"]}}]  # no status
    assert [before.take(d) for d in ("d1", "d1", "d1", "d2", "d3", None)] == \
        [1, 2, None, None, None, None]


def test_nothing_to_look_for_reads_nothing():
    rejects = Rejects([])
    assert KeptBefore.read(rejects, "amqp", [None]).take("d1") is None
    assert rejects.queries == []

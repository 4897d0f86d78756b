"""redelivery.py and the `redelivered` mark: which rejects stand for a redelivered
message's inputs. Pure: the rejects collection is a list behind a `find`."""
from __future__ import annotations

from types import SimpleNamespace

from common.batch import redelivered, with_sender
from ingestion.intake_auth import delivered
from ingestion.redelivery import KeptBefore


class Rejects:
    def __init__(self, rows: list[dict]) -> None:
        self.rows, self.queries = rows, []

    def find(self, query, projection=None, session=None):
        self.queries.append(query)
        wanted = set(query["input_digest"]["$in"])
        return [r for r in self.rows if r.get("input_digest") in wanted]


def message(again: bool | None, user: str = "intake-a") -> SimpleNamespace:
    info = {} if again is None else {"redelivered": again}
    return SimpleNamespace(properties={"user_id": user}, delivery_info=info)


def test_a_redelivered_message_is_marked_and_the_mark_cannot_be_forged():
    assert redelivered(with_sender({"source": "a"}, message(True)))
    assert not redelivered(with_sender({"source": "a"}, message(False)))
    assert not redelivered(with_sender({"source": "a"}, message(None)))
    assert not redelivered({"redelivered": True, "source": "a"})  # a body, not a pair
    assert delivered([with_sender([1], message(True)), with_sender(2, message(False, ""))]) \
        == [("intake-a", [1], True), (None, 2, False)]


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

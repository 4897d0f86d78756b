"""Marking sent against the real database: a pass that went out whole is marked by its
id in one write, and touches no other pass, of this worker or another; a pass that went out in
part marks exactly the delivered rows; a row given back (its lease released) is never
marked sent by a later pass of the same worker."""
from __future__ import annotations

from datetime import timedelta

import pytest

from common import clock
from common.confirms import Outcome
from common.events import Outbox

from .outbox_rows import sent_bodies

pytestmark = pytest.mark.integration


def staged(outbox: Outbox, n: int, prefix: str) -> None:
    for i in range(n):
        outbox.stage("customer.erased", {"customer_id": f"{prefix}{i}", "requested_by": "t",
                                         "erased_at": "2026-12-01T00:00:00+00:00"},
                     cause_id=f"{prefix}-cause", key=str(i))
    outbox.persist()


def sent_ids(collection) -> set[str]:
    return {body["customer_id"] for body in sent_bodies(collection)}


def test_whole_pass_marks_its_own_rows_only(outbox_collection):
    other = Outbox(outbox_collection, lambda t, b: None)
    staged(other, 3, "o")
    mine = Outbox(outbox_collection, lambda t, b: None)
    staged(mine, 5, "m")
    assert mine.publish_staged() == 5
    assert sent_ids(outbox_collection) == {f"m{i}" for i in range(5)}


def test_partial_pass_marks_the_delivered_and_releases_the_rest(outbox_collection):
    def half(rows):
        return Outcome(delivered=[r["_id"] for r in rows[:2]],
                       failed=[r["_id"] for r in rows[2:]], error=OSError("gone"))

    outbox = Outbox(outbox_collection, publish_batch=half)
    staged(outbox, 4, "p")
    assert outbox.publish_staged() == 2
    assert sent_ids(outbox_collection) == {"p0", "p1"}
    # a later pass of the same worker that goes out whole leaves the released rows alone
    outbox._publish_batch = lambda rows: Outcome(delivered=[r["_id"] for r in rows])
    staged(outbox, 1, "q")
    assert outbox.publish_staged() == 1
    assert sent_ids(outbox_collection) == {"p0", "p1", "q0"}
    assert outbox_collection.count_documents({"sent": False, "lease_by": {"$exists": True}}) == 0


def test_a_failed_mark_after_the_commit_leaves_the_rows_to_the_sweep(outbox_collection):
    """The unit of work committed and the broker confirmed: a database error while marking
    must not fail the batch (run again, it would redo committed work), and the rows stay
    pending under their lease, for the sweep to publish again."""
    sent: list = []
    outbox = Outbox(outbox_collection, lambda t, b: sent.append(b["customer_id"]))
    staged(outbox, 3, "f")

    def unreachable(passes, delivered):
        raise ConnectionError("database away after the commit")

    outbox.store.mark_sent = unreachable
    assert outbox.publish_staged() == 3
    assert sent == ["f0", "f1", "f2"] and sent_ids(outbox_collection) == set()
    del outbox.store.mark_sent
    assert outbox.flush_pending(older_than=0) == 0  # not before the lease runs out
    ran_out = clock.now() - timedelta(seconds=1)
    outbox_collection.update_many({}, {"$set": {"lease_until": ran_out}})
    assert outbox.flush_pending(older_than=0) == 3
    assert sent[3:] == ["f0", "f1", "f2"] and sent_ids(outbox_collection) == {"f0", "f1", "f2"}


def test_a_pass_whose_lease_was_not_given_back_is_not_marked_by_a_later_pass(
        outbox_collection):
    """Broker and database away together: a pass's publish fails, and so does giving its
    lease back. A later pass of the same worker that goes out whole must not mark the
    first one sent: marked by the worker's lease token, its events were lost for good
    (the sweep skips sent passes, a redelivered batch finds them staged)."""
    outbox = Outbox(outbox_collection, publish_batch=lambda rows: Outcome(
        failed=[r["_id"] for r in rows], error=OSError("broker away")))
    staged(outbox, 2, "x")

    def unreachable(passes, event_ids):
        raise ConnectionError("database away too")

    outbox.store.release = unreachable
    assert outbox.publish_staged() == 0
    del outbox.store.release
    outbox._publish_batch = lambda rows: Outcome(delivered=[r["_id"] for r in rows])
    staged(outbox, 1, "y")
    assert outbox.publish_staged() == 1
    assert sent_ids(outbox_collection) == {"y0"}
    assert outbox_collection.count_documents({"sent": False}) == 1  # for the sweep

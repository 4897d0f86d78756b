"""Broker users still to delete: those of revoked clients and operators.

A revoke commits first (from that moment the token is refused and the grant is
revoked) and deletes the broker user after. The deletion used to be tried once: a
management API that did not answer, or a process that died in between, left the user
able to connect for good, and revoking again found nothing active to revoke. Now the
revoke records the user here in its own transaction, a deletion removes the row once
RabbitMQ has no such user, and what is left is retried by revoking again and by a
sweep every SWEEP_SECONDS. Adding a client or an operator again under the same broker
user finishes a pending deletion first, so the new password is the only one.

Whoever deletes (a revoke, the sweep, an add clearing the way) first takes a lease on
the row, and only the lease holder deletes the user and then the row. A sweep that read
the row before an add finished it and created the user again therefore finds the row
gone and leaves the new user alone; an add that finds a sweep holding the lease is
refused for a moment instead of racing it.
"""
from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from pymongo.database import Database

from common import clock

from . import broker_users

log = logging.getLogger(__name__)
SWEEP_SECONDS = 30
LEASE_SECONDS = 60  # longer than one management API call may take (15 s: tools/stack/access.py)
DONE, PENDING, PLATFORM = "done", "pending", "platform"


class UserDeletions:
    """The `broker_user_deletions` collection: one row per broker user to delete."""

    def __init__(self, db: Database):
        self.rows = db["broker_user_deletions"]

    def request(self, user: str, owner: str, session=None) -> None:
        """Record that `user` must go, inside the revoke's transaction."""
        self.rows.replace_one({"_id": user}, {"_id": user, "owner": owner,
                                              "requested_at": clock.now()},
                              upsert=True, session=session)

    def is_pending(self, user: str) -> bool:
        return self.rows.find_one({"_id": user}, {"_id": 1}) is not None

    def finish(self, management_url: str | None, user: str) -> str:
        """Delete `user` on the broker now -> DONE once RabbitMQ has no such user (the
        row goes; also when someone else's deletion removed it first), PENDING while
        its management API does not answer or another deletion holds the row's lease
        (the row stays for the sweep), PLATFORM where ingestion has no management API."""
        lease = self._lease(user)
        if lease is None:
            return PENDING if self.is_pending(user) else DONE
        try:
            broker_users.delete(management_url, user)
        except broker_users.BrokerUsersUnavailable:
            self._release(user, lease)
            return PLATFORM
        except OSError as exc:  # URLError, HTTPError, a refused or timed-out connection
            log.warning("broker user %s not deleted yet (%s: %s); retried by the sweep",
                        user, type(exc).__name__, exc)
            self._release(user, lease)
            return PENDING
        self.rows.delete_one({"_id": user, "lease_by": lease})
        log.info("broker user %s deleted", user)
        return DONE

    def _lease(self, user: str) -> str | None:
        """Take the row of `user` for one deletion -> the lease's id, or None when the
        row is gone or another deletion holds it (a lease left by a dead process
        lapses after LEASE_SECONDS)."""
        lease, now = uuid.uuid4().hex, clock.now()
        taken = self.rows.update_one(
            {"_id": user, "lease_until": {"$not": {"$gt": now}}},
            {"$set": {"lease_by": lease, "lease_until": now + timedelta(seconds=LEASE_SECONDS)}})
        return lease if taken.matched_count == 1 else None

    def _release(self, user: str, lease: str) -> None:
        """The next try (the sweep, a revoke again) need not wait for the lease to lapse."""
        self.rows.update_one({"_id": user, "lease_by": lease},
                             {"$unset": {"lease_by": "", "lease_until": ""}})

    def sweep(self, management_url: str | None) -> int:
        """Retry the deletions requested over SWEEP_SECONDS ago (a younger one is its
        revoke's own, still running) -> how many deletions are pending in all."""
        if management_url:
            old = clock.now() - timedelta(seconds=SWEEP_SECONDS)
            for row in list(self.rows.find({"requested_at": {"$lt": old}})
                            .sort("requested_at", 1).limit(100)):
                self.finish(management_url, row["_id"])
        return self.rows.count_documents({})

    def clear_for(self, management_url: str | None, user: str) -> None:
        """Before a new client or operator takes `user`: a deletion still pending is
        finished first, or the add is refused, so no old password outlives it and the
        sweep never deletes the new owner's user."""
        if self.is_pending(user) and self.finish(management_url, user) != DONE:
            raise ValueError(f"broker user {user!r} of a revoked client or operator is "
                             "still to be deleted: the broker's management API does not "
                             "answer, or the deletion is under way: try again later")

"""A revoked client's broker user is deleted even when the first try fails: the revoke
records the deletion in its own transaction, and revoking again or the sweep finishes
it (user_deletions.py). Against the real broker and database: the management API that
"does not answer" is a closed port. And a `clients_add` run twice by one request says
that its first answer was lost."""
from __future__ import annotations

import socket
import urllib.parse
import uuid
from datetime import timedelta

import pytest
from amqp.exceptions import AccessRefused
from kombu import Connection

from common import clock
from ingestion import broker_users
from ingestion.user_deletions import DONE, PENDING, UserDeletions
from tests.fuzz.helpers import db
from tests.ingestion.test_intake_auth import add_client

pytestmark = pytest.mark.integration


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://guest:guest@127.0.0.1:{sock.getsockname()[1]}"


def connects(uri: str) -> bool:
    try:
        with Connection(uri, connect_timeout=10) as conn:
            conn.connect()
        return True
    except AccessRefused:
        return False


def user_uri(stack, user: str, password: str) -> str:
    return broker_users.amqp_uri(stack.env["AMQP_URI"], user, password)


def test_a_deletion_the_api_did_not_take_stays_pending_until_the_sweep(stack):
    url, user = stack.env["RABBITMQ_MANAGEMENT_URL"], f"intake-del-{uuid.uuid4().hex[:8]}"
    password = broker_users.create(url, user, broker_users.vhost_of(stack.env["AMQP_URI"]))
    deletions = UserDeletions(db(stack))
    deletions.request(user, "client:test")
    assert deletions.finish(closed_port_url(), user) == PENDING
    assert deletions.is_pending(user) and connects(user_uri(stack, user, password))
    with pytest.raises(ValueError, match="still to be deleted"):
        deletions.clear_for(closed_port_url(), user)

    deletions.sweep(url)  # requested just now: its revoke's own, left alone
    assert deletions.is_pending(user)
    deletions.rows.update_one({"_id": user}, {"$set": {
        "requested_at": clock.now() - timedelta(minutes=5)}})
    deletions.sweep(url)
    assert not deletions.is_pending(user)
    assert not connects(user_uri(stack, user, password))
    assert deletions.finish(url, user) == DONE  # already gone: done, nothing raised


def test_a_sweep_behind_an_add_leaves_the_new_owners_user_alone(stack):
    """The sweep reads its rows, then deletes them one by one. An add that finished one
    row's deletion and created the user again in between keeps its user."""
    url, user = stack.env["RABBITMQ_MANAGEMENT_URL"], f"intake-race-{uuid.uuid4().hex[:8]}"
    vhost = broker_users.vhost_of(stack.env["AMQP_URI"])
    deletions = UserDeletions(db(stack))
    broker_users.create(url, user, vhost)  # the revoked client's user
    deletions.request(user, "client:old")
    swept = [row["_id"] for row in deletions.rows.find({"_id": user})]  # the sweep's read
    deletions.clear_for(url, user)  # the new client's add finishes the deletion ...
    password = broker_users.create(url, user, vhost)  # ... and creates the user again
    try:
        assert [deletions.finish(url, row) for row in swept] == [DONE]  # the sweep goes on
        assert connects(user_uri(stack, user, password))
    finally:
        broker_users.delete(url, user)


def test_an_add_is_refused_while_another_deletion_holds_the_row(stack):
    url, user = stack.env["RABBITMQ_MANAGEMENT_URL"], f"intake-lease-{uuid.uuid4().hex[:8]}"
    password = broker_users.create(url, user, broker_users.vhost_of(stack.env["AMQP_URI"]))
    deletions = UserDeletions(db(stack))
    deletions.request(user, "client:old")
    deletions.rows.update_one({"_id": user}, {"$set": {  # a sweep deleting it right now
        "lease_by": "sweep", "lease_until": clock.now() + timedelta(minutes=1)}})
    with pytest.raises(ValueError, match="under way"):
        deletions.clear_for(url, user)
    assert deletions.finish(url, user) == PENDING  # a revoke again leaves it to the sweep
    assert connects(user_uri(stack, user, password))
    deletions.rows.update_one({"_id": user}, {"$set": {  # the sweep died: its lease lapses
        "lease_until": clock.now() - timedelta(seconds=1)}})
    assert deletions.finish(url, user) == DONE
    assert not connects(user_uri(stack, user, password)) and not deletions.is_pending(user)


def test_revoking_again_deletes_a_broker_user_left_by_a_crash(stack):
    name = f"crashed-{uuid.uuid4().hex[:8]}"
    creds = add_client(stack, name, f"s_{uuid.uuid4().hex[:8]}")
    user = urllib.parse.urlsplit(creds["UPSTREAM_AMQP_URI"]).username
    # what a revoke whose process died after its commit leaves behind
    ingestion = db(stack)
    ingestion["clients"].update_one({"_id": name}, {"$set": {"revoked_at": clock.now()}})
    UserDeletions(ingestion).request(user, f"client:{name}")
    assert connects(creds["UPSTREAM_AMQP_URI"])

    out = stack.crm("clients", "revoke", name).stdout
    assert f"broker user {user} deleted" in out, out
    assert not connects(creds["UPSTREAM_AMQP_URI"])
    assert not UserDeletions(ingestion).is_pending(user)
    assert stack.crm("clients", "revoke", name, check=False).returncode == 2


def test_a_client_add_delivered_again_says_its_answer_was_lost(stack, monkeypatch):
    """nameko acknowledges an RPC after its reply: a worker that died after its commit
    gets `clients_add` again (the same correlation id). The token is never stored, so
    the repeat cannot show it: it says so, instead of "exists: revoke it first"."""
    import nameko.rpc
    from types import SimpleNamespace
    from nameko.exceptions import RemoteError
    name, source = f"again-{uuid.uuid4().hex[:8]}", f"s_{uuid.uuid4().hex[:8]}"
    fixed = uuid.uuid5(uuid.NAMESPACE_URL, name)
    with stack.rpc() as rpc:
        monkeypatch.setattr(nameko.rpc, "uuid", SimpleNamespace(uuid4=lambda: fixed))
        made = rpc.ingestion.clients_add(name, [source])
        with pytest.raises(RemoteError, match="same request, whose answer was lost"):
            rpc.ingestion.clients_add(name, [source])
        monkeypatch.undo()
        with pytest.raises(RemoteError, match="exists: revoke it first"):
            rpc.ingestion.clients_add(name, [source])  # another request
    assert made["token"] and made["broker_user"] == f"intake-{name}"

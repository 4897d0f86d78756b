"""Upstream clients, pure: tokens, names, which sources a client may write, senders."""
import hashlib
from types import SimpleNamespace

import pytest

from common.batch import sender, with_sender
from ingestion.broker_users import amqp_uri
from ingestion.domain.clients import (bearer_token, check_client, may_write, new_token,
                                      public_view, token_hash)
from ingestion.intake_auth import forbidden_result, split_records

CLIENT = {"_id": "bank-a", "sources": ["a"], "token_hash": "x"}


def test_tokens_are_random_and_stored_as_sha256():
    token, other = new_token(), new_token()
    assert token != other and len(token) >= 43  # 32 random bytes, URL-safe
    assert token_hash(token) == hashlib.sha256(token.encode()).hexdigest() != token


@pytest.mark.parametrize("header, token", [
    ("Bearer abc", "abc"), ("bearer  abc ", "abc"), ("Basic abc", None), ("Bearer", None),
    ("", None), (None, None), ("abc", None)])
def test_bearer_token(header, token):
    assert bearer_token(header) == token


def test_check_client_names_and_sources():
    assert check_client("bank-a", ["a", " b ", "a"]) == ("bank-a", ["a", "b"])
    assert check_client("local", "*") == ("local", ["*"])
    for name in ("", "Bank", "-x", "a b", "x" * 64, None):
        with pytest.raises(ValueError):
            check_client(name, ["a"])
    for sources in ([], [""], ["a", 3], None):
        with pytest.raises(ValueError):
            check_client("ok", sources)


def test_may_write_only_its_sources_or_all():
    assert may_write(CLIENT, "a") and not may_write(CLIENT, "b")
    assert may_write({"sources": ["*"]}, "anything")
    assert may_write(CLIENT, None) and may_write(CLIENT, 7)  # left to the pipeline


def test_split_records_keeps_positions():
    allowed, refused = split_records(CLIENT, [{"source": "a"}, {"source": "b"}, [], {"source": "a"}])
    assert allowed == [0, 2, 3] and list(refused) == [1]
    result = forbidden_result(refused[1])
    assert result["code"] == 403 and result["reason"] == "source_not_allowed"
    assert "'b'" in result["errors"][0]


def test_public_view_never_shows_the_hash():
    assert "token_hash" not in str(public_view(CLIENT)) and public_view(CLIENT)["name"] == "bank-a"


def test_sender_pairs_survive_and_bodies_cannot_forge_one():
    message = SimpleNamespace(properties={"user_id": "intake-a"})
    assert sender(with_sender({"source": "a"}, message)) == ("intake-a", {"source": "a"})
    assert sender(with_sender([1], SimpleNamespace(properties={}))) == (None, [1])
    forged = {"__sender__": "upstream", "body": {"source": "a"}}
    assert sender(with_sender(forged, SimpleNamespace(properties={}))) == (None, forged)
    assert sender({"source": "a"}) == (None, {"source": "a"})  # a payload parked before


def test_client_uri_keeps_host_port_and_vhost():
    assert amqp_uri("amqp://svc:pw@10.0.0.5:5673/crm", "intake-a", "p/w") == \
        "amqp://intake-a:p%2Fw@10.0.0.5:5673/crm"


def test_intake_port_from_the_environment(monkeypatch):
    from ingestion.intake_server import intake_port
    monkeypatch.delenv("INTAKE_PORT", raising=False)
    assert intake_port() is None
    monkeypatch.setenv("INTAKE_PORT", "8001")
    assert intake_port() == 8001
    for bad in ("http", "0", "70000"):
        monkeypatch.setenv("INTAKE_PORT", bad)
        with pytest.raises(ValueError):
            intake_port()

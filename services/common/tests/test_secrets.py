"""The start-up rule for secrets (common.secrets): placeholders, empty and short values."""
from __future__ import annotations

import base64
import secrets as std_secrets

import pytest

from common import secrets

GOOD_KEY = std_secrets.token_hex(32)
GOOD_FERNET = base64.urlsafe_b64encode(std_secrets.token_bytes(32)).decode()
GOOD_INGESTION = {"CRM_ENCRYPTION_KEYS": f"k2:{GOOD_FERNET},k1:{GOOD_FERNET}",
                  "CRM_BLIND_INDEX_KEY": GOOD_KEY}


@pytest.mark.parametrize("value", ["change-me", "CHANGE_ME", "changeme", "secret", "Password",
                                   "change-me-before-production-please!!"])
def test_placeholders_are_recognised(value):
    assert secrets.is_placeholder(value)


def test_random_values_are_not_placeholders():
    assert not secrets.is_placeholder(GOOD_KEY)
    assert not secrets.is_placeholder(GOOD_FERNET)


@pytest.mark.parametrize("value, why", [
    ("", "is empty"), ("   ", "is empty"), (None, "is empty"),
    ("change-me", "is a placeholder"),
    ("a1b2c3d4e5f6a7b8c9d0", "is shorter than 32 characters"),
    ("ab" * 20, "is not random (too few distinct characters)"),
])
def test_unfit_keys_are_named_with_their_reason(value, why):
    assert secrets.key_problem(value) == why


def test_generated_keys_pass():
    """What tools/stack generates (token_hex(16) is the shortest: exactly 32)."""
    for value in (std_secrets.token_hex(16), std_secrets.token_hex(32), GOOD_FERNET):
        assert secrets.key_problem(value) is None


def test_every_key_of_the_ring_is_checked():
    assert secrets.key_ring_problem(f"k1:{GOOD_FERNET}") is None
    assert secrets.key_ring_problem(f"k2:{GOOD_FERNET},k1:change-me") == \
        "has a key that is a placeholder"
    assert secrets.key_ring_problem("k1:") == "has a key that is empty"
    assert secrets.key_ring_problem("") == "is empty"


def test_a_service_is_judged_on_its_own_secrets_only():
    assert secrets.problems("ingestion", GOOD_INGESTION) == []
    assert secrets.problems("dedup", {}) == []  # dedup reads no key
    assert secrets.problems("notification", {}) == ["CRM_WEBHOOK_SECRET is empty"]
    assert secrets.problems("ingestion", {**GOOD_INGESTION, "CRM_BLIND_INDEX_KEY": "change-me"}) \
        == ["CRM_BLIND_INDEX_KEY is a placeholder"]


def test_smtp_password_is_required_once_a_username_is_set():
    env = {"CRM_WEBHOOK_SECRET": GOOD_KEY}
    assert secrets.problems("notification", env) == []
    assert secrets.problems("notification", {**env, "SMTP_USERNAME": "crm"}) == \
        ["SMTP_PASSWORD is empty"]
    assert secrets.problems("notification", {**env, "SMTP_USERNAME": "crm",
                                             "SMTP_PASSWORD": "short"}) == \
        ["SMTP_PASSWORD is shorter than 12 characters"]
    assert secrets.problems("notification", {**env, "SMTP_USERNAME": "crm",
                                             "SMTP_PASSWORD": "a-real-relay-password"}) == []


def test_placeholder_passwords_inside_uris_are_refused():
    env = {"AMQP_URI": "amqp://dedup:change-me@crm-rabbitmq:5672/",
           "MONGO_URI": "mongodb://dedup:" + GOOD_KEY + "@mongo:27017/?authSource=admin"}
    assert secrets.problems("dedup", env) == ["AMQP_URI has a placeholder password"]
    assert secrets.problems("dedup", {"AMQP_URI": "amqp://guest:guest@localhost:5672/",
                                      "MONGO_URI": "mongodb://127.0.0.1:27017/"}) == []


def test_check_stops_with_one_line_naming_the_variable_not_the_value():
    env = {"CRM_ENCRYPTION_KEYS": f"k1:{GOOD_FERNET}", "CRM_BLIND_INDEX_KEY": "change-me"}
    with pytest.raises(SystemExit) as stopped:
        secrets.check("ingestion", env)
    line = str(stopped.value.code)
    assert "\n" not in line
    assert line.startswith("ingestion: refusing to start: CRM_BLIND_INDEX_KEY is a placeholder")
    assert GOOD_FERNET not in line and "change-me" not in line
    secrets.check("ingestion", GOOD_INGESTION)  # fit secrets: no exit

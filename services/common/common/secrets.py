"""Refuse to start with a weak secret: a placeholder, an empty value or a short one.

A service that starts with `CRM_BLIND_INDEX_KEY=change-me` (the value the example
files ship with) works, and every blind index it writes is computable by anyone who
read the repository; there is no later point at which that is cheap to undo. So the
runner checks, before it connects to anything, every secret the service reads:

- keys and secrets we generate ourselves (CRM_ENCRYPTION_KEYS, each key of the ring;
  CRM_BLIND_INDEX_KEY; CRM_WEBHOOK_SECRET) must be at least KEY_MIN_LENGTH (32)
  characters, not a known placeholder and not a run of a few repeated characters;
- a password issued by someone else (SMTP_PASSWORD, needed once SMTP_USERNAME is set)
  must be at least PASSWORD_MIN_LENGTH (12) characters and not a placeholder;
- a password inside AMQP_URI or MONGO_URI (Kubernetes builds them from Secrets)
  must not be a placeholder.

A failure stops the service with one line that names the variables, never a value.
"""
from __future__ import annotations

import re
from typing import Mapping
from urllib.parse import urlsplit

KEY_MIN_LENGTH = 32
PASSWORD_MIN_LENGTH = 12
MIN_DISTINCT_CHARACTERS = 8

# compared after lower-casing and removing everything but letters and digits
PLACEHOLDERS = frozenset({
    "changeme", "changeit", "changethis", "secret", "password", "passw0rd", "passwd",
    "placeholder", "default", "example", "test", "testing", "dummy", "todo", "fixme",
    "xxx", "none", "null", "key", "secretkey", "mysecret", "yoursecret", "admin",
    "letmein", "123456", "12345678", "qwerty"})
PLACEHOLDER_PARTS = ("changeme", "placeholder", "replaceme", "yoursecret", "fillmein")

# the secrets each service reads: name -> (variable, kind); kind "key" or "password"
SERVICE_SECRETS: dict[str, tuple[tuple[str, str], ...]] = {
    "ingestion": (("CRM_ENCRYPTION_KEYS", "key_ring"), ("CRM_BLIND_INDEX_KEY", "key")),
    "notification": (("CRM_WEBHOOK_SECRET", "key"),),
}
URI_VARIABLES = ("AMQP_URI", "MONGO_URI")


def is_placeholder(value: str) -> bool:
    """A value someone left as the example file's filler rather than a real secret."""
    folded = re.sub(r"[^a-z0-9]", "", value.lower())
    return folded in PLACEHOLDERS or any(part in folded for part in PLACEHOLDER_PARTS)


def key_problem(value: str | None, min_length: int = KEY_MIN_LENGTH) -> str | None:
    """Why `value` is unfit as a key or secret we generate, or None if it is fit."""
    if not value or not value.strip():
        return "is empty"
    if is_placeholder(value):
        return "is a placeholder"
    if len(value) < min_length:
        return f"is shorter than {min_length} characters"
    if len(set(value)) < MIN_DISTINCT_CHARACTERS:
        return "is not random (too few distinct characters)"
    return None


def key_ring_problem(value: str | None) -> str | None:
    """CRM_ENCRYPTION_KEYS is `id:key[,id:key...]`: every key of the ring must be fit."""
    keys = [part.split(":", 1)[-1].strip() for part in (value or "").split(",") if part.strip()]
    if not keys:
        return "is empty"
    return next((f"has a key that {p}" for p in map(key_problem, keys) if p), None)


def password_problem(value: str | None) -> str | None:
    """Why a password issued by another system is unfit, or None."""
    if not value:
        return "is empty"
    if is_placeholder(value):
        return "is a placeholder"
    if len(value) < PASSWORD_MIN_LENGTH:
        return f"is shorter than {PASSWORD_MIN_LENGTH} characters"
    return None


def uri_problem(uri: str | None) -> str | None:
    """A broker or database URI whose password is a placeholder."""
    try:
        password = urlsplit(uri or "").password
    except ValueError:
        return None  # not ours to judge: the driver reports a malformed URI itself
    return "has a placeholder password" if password and is_placeholder(password) else None


_CHECKS = {"key": key_problem, "key_ring": key_ring_problem, "password": password_problem}


def problems(service: str, env: Mapping[str, str]) -> list[str]:
    """Every unfit secret of `service` as "<VARIABLE> <why>" (never the value)."""
    found = [(var, _CHECKS[kind](env.get(var))) for var, kind in SERVICE_SECRETS.get(service, ())]
    if env.get("SMTP_USERNAME") and service == "notification":
        found.append(("SMTP_PASSWORD", password_problem(env.get("SMTP_PASSWORD"))))
    found += [(var, uri_problem(env.get(var))) for var in URI_VARIABLES]
    return [f"{var} {why}" for var, why in found if why]


def check(service: str, env: Mapping[str, str]) -> None:
    """Stop the service (SystemExit, one line on stderr) if any of its secrets is unfit."""
    found = problems(service, env)
    if found:
        raise SystemExit(f"{service}: refusing to start: {'; '.join(found)} (keys and secrets: "
                         f"at least {KEY_MIN_LENGTH} random characters; see docs/operations.md, "
                         "Secrets and transport)")

"""Upstream clients (pure): names, tokens, and which sources a client may write.

A client is one upstream system. Its HTTP token is shown once and stored only as its
SHA-256, so a copy of the database gives nobody a working token; its broker user is
the AMQP identity RabbitMQ vouches for (the message's validated `user_id`).
"""
from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

ALL_SOURCES = "*"  # a client that may write every source (the local stack's `local`)
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
BROKER_USER_PREFIX = "intake-"  # never a service's own broker user name


def new_token() -> str:
    """A random 32-byte token, URL-safe text."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, else None."""
    scheme, _, token = (header or "").strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def check_client(name: Any, sources: Any) -> tuple[str, list[str]]:
    """A valid (name, sources) or ValueError saying what is wrong."""
    if not isinstance(name, str) or not NAME.match(name):
        raise ValueError("client name: lower-case letters, digits, '-' or '_' "
                         "(up to 63, starting with a letter or digit)")
    if isinstance(sources, str):
        sources = [s for s in sources.split(",")]
    cleaned = [s.strip() for s in sources or [] if isinstance(s, str) and s.strip()]
    if not cleaned or len(cleaned) != len(sources or []):
        raise ValueError("sources: one or more non-empty source names (or '*' for all)")
    return name, list(dict.fromkeys(cleaned))


def broker_user_for(name: str) -> str:
    return f"{BROKER_USER_PREFIX}{name}"


def may_write(client: dict, source: Any) -> bool:
    """Whether `client` may write records of `source`. A record without a text source
    is left to the pipeline, which rejects it for its missing key."""
    if not isinstance(source, str) or not source:
        return True
    allowed = client.get("sources") or []
    return ALL_SOURCES in allowed or source in allowed


def public_view(doc: dict) -> dict:
    """A client as `crm clients list` shows it: never the token's hash."""
    return {"name": doc["_id"], "sources": doc.get("sources", []),
            "may_erase": bool(doc.get("may_erase")), "broker_user": doc.get("broker_user"),
            "created_at": _iso(doc.get("created_at")), "revoked_at": _iso(doc.get("revoked_at"))}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None

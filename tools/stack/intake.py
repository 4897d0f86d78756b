"""The local stack's own upstream client, `local`, for every source.

`make up` asks ingestion for it (the `clients_add` RPC, so the stack stores nothing
ingestion would not) and binds it to the stack's `upstream` broker user (or, with an
external broker, to AMQP_URI's user). Its token is kept in secrets.env next to the
other development secrets, because a token is shown only once; a `local` client that
was revoked, or created by another stack run whose token is lost, is made again.
"""
from __future__ import annotations

import urllib.parse

from .ingestion_rpc import call_ingestion

LOCAL = "local"
KEPT = ("INTAKE_TOKEN", "LOCAL_CLIENT_CREATED")  # in secrets.env
ENV_KEYS = ("INTAKE_TOKEN", "UPSTREAM_AMQP_URI")  # in the stack's env file
ALL_SOURCES = ["*"]


def ensure_local(amqp_uri: str, broker_user: str, kept: dict[str, str],
                 timeout: float = 60.0) -> dict[str, str]:
    """INTAKE_TOKEN and LOCAL_CLIENT_CREATED of an active `local` client bound to
    `broker_user`: `kept` (from secrets.env) when it still holds, else a new client."""
    from contracts.caller import IdentifiedRpcProxy

    return call_ingestion(lambda: IdentifiedRpcProxy(amqp_uri, timeout=30),
                          lambda ingestion: _ensure(ingestion, broker_user, kept), timeout)


def _ensure(ingestion, broker_user: str, kept: dict[str, str]) -> dict[str, str]:
    current = next((c for c in ingestion.clients_list()
                    if c["name"] == LOCAL and not c["revoked_at"]), None)
    if current and kept.get("INTAKE_TOKEN") and current["broker_user"] == broker_user \
            and current["created_at"] == kept.get("LOCAL_CLIENT_CREATED"):
        return {k: kept[k] for k in ("INTAKE_TOKEN", "LOCAL_CLIENT_CREATED")}
    if current:
        ingestion.clients_revoke(LOCAL)
    created = ingestion.clients_add(LOCAL, ALL_SOURCES, True, broker_user)
    made = next(c for c in ingestion.clients_list() if c["name"] == LOCAL)
    return {"INTAKE_TOKEN": created["token"], "LOCAL_CLIENT_CREATED": made["created_at"]}


def uri_user(amqp_uri: str) -> str:
    """The user of a broker URI (guest when it names none, as kombu assumes)."""
    return urllib.parse.unquote(urllib.parse.urlsplit(amqp_uri).username or "guest")

"""The local stack's operator: an `admin` for the person who started the stack.

`make up` asks ingestion for it (the `operators_add` RPC, called as the broker's
administrator, whom the local services trust as a bootstrap admin) and writes its
broker URI to `.local/env` as CRM_AMQP_URI, which `crm` uses by default. The URI is
kept in secrets.env (a broker password is shown only once); an operator that was
revoked, or whose password is lost, is made again.
"""
from __future__ import annotations

import getpass
import re

from .ingestion_rpc import call_ingestion

KEPT = ("CRM_AMQP_URI", "LOCAL_OPERATOR_CREATED")  # in secrets.env
ENV_KEYS = ("CRM_AMQP_URI",)  # in the stack's env file, never in a service's


def local_name() -> str:
    """The login name, made a valid operator name."""
    try:
        login = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (a container): a fixed one
        login = "operator"
    name = re.sub(r"[^a-z0-9_.-]", "-", login.lower()).strip("-._") or "operator"
    return name[:63]


def ensure_local(proxy_factory, kept: dict[str, str], timeout: float = 60.0) -> dict[str, str]:
    """CRM_AMQP_URI and LOCAL_OPERATOR_CREATED of an active local admin operator."""
    return call_ingestion(proxy_factory,
                          lambda ingestion: _ensure(ingestion, local_name(), kept), timeout)


def _ensure(ingestion, name: str, kept: dict[str, str]) -> dict[str, str]:
    current = next((o for o in ingestion.operators_list()
                    if o["name"] == name and not o["revoked_at"]), None)
    if current and current["role"] == "admin" and kept.get("CRM_AMQP_URI") \
            and current["created_at"] == kept.get("LOCAL_OPERATOR_CREATED"):
        return {k: kept[k] for k in KEPT}
    if current:
        ingestion.operators_revoke(name)
    made = ingestion.operators_add(name, "admin", None)
    return {"CRM_AMQP_URI": made["amqp_uri"], "LOCAL_OPERATOR_CREATED": made["created_at"]}

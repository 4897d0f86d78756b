"""Who may call an RPC: operators' grants and the decision, without any I/O.

An operator is a person who runs `crm`; they have their own broker user, a role and an
optional last day. Services learn the caller only from the broker-validated AMQP
`user_id` of the request (RabbitMQ refuses a message whose user_id is not the user
that published it), never from an argument, so a caller cannot claim another's grant.
Roles are ordered: each may do what the one before it may (docs/access-control.md).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
import re
from typing import Any, Mapping

ROLES = ("viewer", "officer", "admin")
NAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,62}$"
BOOTSTRAP_PREFIX = "bootstrap:"


class Forbidden(Exception):
    """The caller may not run this RPC. Its text is what the operator reads; `reason`
    is the stable code kept in the audit trail."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Grant:
    """What one broker user may do. `version` orders changes to the same operator
    (milliseconds since the epoch when it was made), so replicas of the grant that
    receive changes out of order keep the newest."""

    name: str
    broker_user: str
    role: str
    until: date | None = None
    revoked: bool = False
    version: int = 0

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> "Grant":
        until = payload.get("until")
        return cls(name=payload["operator"], broker_user=payload["broker_user"],
                   role=payload["role"], revoked=bool(payload.get("revoked")),
                   until=date.fromisoformat(until) if until else None,
                   version=int(payload.get("version") or 0))

    def payload(self) -> dict:
        """The `operator.changed` event's fields."""
        body = asdict(self)
        body["operator"] = body.pop("name")
        body["until"] = self.until.isoformat() if self.until else None
        return body


def bootstrap_grant(user: str) -> Grant:
    """The platform's broker administrator, trusted as an admin so that the first
    operator can be created (CRM_BOOTSTRAP_ADMINS; the local stack's `guest`)."""
    return Grant(name=BOOTSTRAP_PREFIX + user, broker_user=user, role="admin")


def allows(held: str, needed: str) -> bool:
    return ROLES.index(held) >= ROLES.index(needed)


def admit(user: str | None, grant: Grant | None, needed: str, today: date) -> Grant:
    """The caller's grant when it covers `needed` today; else Forbidden, saying why."""
    if not user:
        raise Forbidden("unauthenticated", "the request carries no broker user_id: "
                        "call as an operator (CRM_AMQP_URI)")
    if grant is None:
        raise Forbidden("unknown_operator", f"broker user {user} is not an operator")
    if grant.revoked:
        raise Forbidden("revoked", f"operator {grant.name} was revoked")
    if grant.until is not None and today > grant.until:
        raise Forbidden("expired", f"operator {grant.name}'s grant expired on "
                        f"{grant.until.isoformat()}")
    if not allows(grant.role, needed):
        raise Forbidden("role", f"operator {grant.name} is a {grant.role}; "
                        f"this needs {needed}")
    return grant


BROKER_USER_PREFIX = "op-"  # never a service's or an upstream client's user name


def check_operator(name: Any, role: Any, until: Any) -> tuple[str, str, date | None]:
    """A valid (name, role, until) or ValueError saying what is wrong."""
    if not isinstance(name, str) or not re.match(NAME_PATTERN, name):
        raise ValueError("operator name: lower-case letters, digits, '.', '-' or '_' "
                         "(up to 63, starting with a letter or digit)")
    if role not in ROLES:
        raise ValueError(f"role: one of {', '.join(ROLES)}")
    if until in (None, ""):
        return name, role, None
    try:
        return name, role, date.fromisoformat(str(until))
    except ValueError:
        raise ValueError("until: a date YYYY-MM-DD (the last day the grant holds)") from None

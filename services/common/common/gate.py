"""The RPC layer's door: who is calling, may they, and the audit row of what they did.

`IdentifiedRpc` is nameko's Rpc entrypoint with one change: the broker-validated AMQP
`user_id` of the request goes into the worker's context data under CALLER, replacing
anything a caller put in its headers under that name. The `Gate` dependency reads it,
looks the grant up in the service's own copy (common/grants.py), refuses with
`Forbidden` (which the caller receives as a RemoteError of that type) and writes the
audit trail (common/audit.py). common/rpcs.py calls the gate around every RPC.
"""
from __future__ import annotations

import hashlib
import os
import uuid
from typing import Any, Mapping

from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc

from . import clock
from .audit import AuditStore
from .grants import GrantsStore
from .mongo import connect
from .operators import Forbidden, Grant, admit, bootstrap_grant

CALLER = "crm_caller"
REQUEST = "crm_request"


class IdentifiedRpc(Rpc):
    def unpack_message_headers(self, message) -> dict:
        data = super().unpack_message_headers(message)
        data[CALLER] = message.properties.get("user_id")
        data[REQUEST] = message.properties.get("correlation_id")
        return data


identified_rpc = IdentifiedRpc.decorator


class Door:
    """What one worker sees: the caller's identity, the check and the trail."""

    def __init__(self, gate: "Gate", user: str | None, command: str,
                 request: str | None = None):
        self.gate, self.user, self.command = gate, user, command
        self.request = request  # the RPC's correlation id: the same when redelivered
        self.grant: Grant | None = None
        self.row: Any = None  # this request's audit row, once written

    def new_id(self, prefix: str) -> str:
        """An id for what this request creates, the same when the request runs again:
        nameko acknowledges an RPC after its reply, so a worker that died after its
        commit gets the request delivered again, and the use case finds what the first
        run created under this id instead of creating it twice. Scoped by the caller's
        broker user, so no caller can reach another's by naming its correlation id."""
        if not (self.user and self.request):
            return f"{prefix}{uuid.uuid4().hex[:16]}"
        digest = hashlib.sha256(f"{self.user}|{self.command}|{self.request}".encode())
        return f"{prefix}{digest.hexdigest()[:16]}"

    def admit(self, needed: str, arguments: Mapping[str, Any]) -> Grant:
        """The caller's grant, or Forbidden after the refusal is in the trail."""
        known = self.gate.grant_of(self.user)
        try:
            self.grant = admit(self.user, known, needed, clock.now().date())
        except Forbidden as refusal:
            actor = known.name if known else (self.user or "<no user_id>")
            self.gate.audit.record(actor, known.role if known else None, self.command,
                                   arguments, "refused", refusal.reason)
            raise
        return self.grant

    def learn(self, grant: Grant) -> bool:
        return self.gate.grants.apply(grant)

    def record(self, arguments: Mapping[str, Any], outcome: str = "started") -> Any:
        """The admitted request's row (`started`: written before it runs) -> its id."""
        grant = self.grant
        self.row = self.gate.audit.record(grant.name, grant.role, self.command, arguments,
                                          outcome)
        return self.row

    def finished(self, row_id: Any, outcome: str = "served") -> None:
        self.gate.audit.finish(row_id, outcome)


class Gate(DependencyProvider):
    def setup(self) -> None:
        config = self.container.config
        db = connect(config, self.container.service_name)
        self.grants = GrantsStore(db)
        self.audit = AuditStore(db, self.container.service_name)
        self.audit.ensure_indexes()
        names = config.get("CRM_BOOTSTRAP_ADMINS") or os.environ.get("CRM_BOOTSTRAP_ADMINS", "")
        self.bootstrap = {n.strip() for n in str(names).split(",") if n.strip()}

    def grant_of(self, user: str | None) -> Grant | None:
        if not user:
            return None
        if user in self.bootstrap:
            return bootstrap_grant(user)
        return self.grants.find(user)

    def get_dependency(self, worker_ctx) -> Door:
        return Door(self, worker_ctx.data.get(CALLER), worker_ctx.entrypoint.method_name,
                    worker_ctx.data.get(REQUEST))

"""Who viewed or exported personal data through `crm`: recorded before it is shown.

The trail lives in the ingestion service (`audit_record` / `audit_list` RPCs); a
command that shows personal data refuses to run when it cannot be recorded.
"""
from __future__ import annotations

import getpass
import os
import sys

from .client import rpc
from .output import emit

PERSONAL_DATA_COMMANDS: frozenset[tuple[str, ...]] = frozenset({
    ("export",), ("explain",), ("redlist",), ("erase",),
    ("rejects", "list"), ("rejects", "show"), ("review", "list"),
    ("notifications", "list"), ("notifications", "failed"), ("parked", "list"),
    ("assignments", "backlog"), ("assignments", "history"), ("imports", "show"),
    ("followups", "history"),
})


def actor() -> str:
    """CRM_ACTOR (set by an operator's login wrapper) or the operating-system user."""
    return os.environ.get("CRM_ACTOR") or getpass.getuser()


def command_path(args) -> tuple[str, ...]:
    action = getattr(args, "action", None)
    return (args.command, action) if action else (args.command,)


def record_if_personal(args, argv: list[str]) -> None:
    """Record the access, or stop the command: nothing is shown unrecorded."""
    path = command_path(args)
    if path not in PERSONAL_DATA_COMMANDS:
        return
    try:
        with rpc(timeout=30) as proxy:
            proxy.ingestion.audit_record(actor(), " ".join(path), list(argv))
    except Exception as exc:  # noqa: BLE001 - any failure: refuse to show the data
        print(f"crm: cannot record this access in the audit trail ({type(exc).__name__}); "
              "nothing shown", file=sys.stderr)
        raise SystemExit(3) from exc


def audit_list(args) -> int:
    with rpc() as proxy:
        rows = proxy.ingestion.audit_list(args.actor, args.limit)
    emit(rows, args.json, ["at", "actor", "command", "arguments"])
    return 0


def add_parsers(sub) -> None:
    audit = sub.add_parser("audit", help="who viewed or exported personal data through crm")
    asub = audit.add_subparsers(dest="action", required=True)
    listing = asub.add_parser("list")
    listing.add_argument("--actor")
    listing.add_argument("--limit", type=int, default=1000)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=audit_list)

"""`crm audit list`: who did what through the services, and who was refused.

Each service writes its own audit rows when it serves or refuses a request (see
services/common/common/audit.py); this command merges them, newest first. Only an
admin may read the trail.
"""
from __future__ import annotations

from .client import SERVICES, rpc
from .output import emit


def audit_list(args) -> int:
    rows: list[dict] = []
    with rpc() as proxy:
        for service in SERVICES:
            rows.extend(getattr(proxy, service).audit_list(args.actor, args.limit))
    rows.sort(key=lambda row: row["at"], reverse=True)
    emit(rows[:args.limit], args.json,
         ["at", "actor", "role", "service", "command", "customers", "outcome", "reason"])
    return 0


def add_parsers(sub) -> None:
    audit = sub.add_parser("audit", help="who did what through crm, and who was refused")
    asub = audit.add_subparsers(dest="action", required=True)
    listing = asub.add_parser("list", help="the services' audit rows, newest first")
    listing.add_argument("--actor", help="only this operator's rows")
    listing.add_argument("--limit", type=int, default=1000)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=audit_list)

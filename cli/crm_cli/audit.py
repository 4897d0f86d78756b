"""`crm audit list`: who did what through the services, and who was refused.

Each service writes its own audit rows when it serves or refuses a request (see
services/common/common/audit.py); this command merges them, newest first. Only an
admin may read the trail.
"""
from __future__ import annotations

from . import listing
from .client import SERVICES, rpc
from .parsers import command, group

COLUMNS = ["at", "actor", "role", "service", "command", "customers", "outcome", "reason"]


def audit_list(args) -> int:
    """Each service is asked for one row more than shown, so a cut is seen."""
    rows: list[dict] = []
    with rpc() as proxy:
        for service in SERVICES:
            rows.extend(getattr(proxy, service).audit_list(args.actor, listing.ask(args.limit)))
    rows.sort(key=lambda row: row["at"], reverse=True)
    listing.show(rows, args, COLUMNS, what="audit rows")
    return 0


def add_parsers(sub) -> None:
    actions = group(sub, "audit", "who did what through the services, and who was refused")
    rows = command(actions, "list", "the services' audit rows, newest first (admins only)",
                   "crm audit list --actor li.wei --limit 50",
                   "crm audit list --json | grep refused")
    rows.add_argument("--actor", metavar="OPERATOR", help="only this operator's rows")
    listing.add_options(rows, what="audit rows")
    rows.set_defaults(func=audit_list)

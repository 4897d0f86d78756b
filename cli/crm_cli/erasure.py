"""`crm erase CUSTOMER_ID --by NAME [--reason TEXT] [--yes] [--json]`: the right to be
forgotten. It asks for confirmation unless --yes (crm_cli.confirm).

Dedup seals the golden customer and announces `customer.erased`, on which every
service seals its own copies. Repeating the command is safe: it reports the first
erasure again and sends nothing twice.
"""
from __future__ import annotations

import sys

from nameko.exceptions import RemoteError

from .client import rpc
from .confirm import YES_HELP, confirm
from .exits import USAGE, first_line
from .output import json_line
from .parsers import command


def erase(args) -> int:
    confirm(f"Erase the personal data of customer {args.customer_id} in every service? "
            "This cannot be undone.", args.yes, "crm erase")
    try:
        with rpc() as proxy:
            result = proxy.dedup.erase(args.customer_id, args.by, args.reason)
    except RemoteError as exc:
        if exc.exc_type != "ValueError":
            raise
        print(f"crm erase: {first_line(exc.value)}", file=sys.stderr)
        return USAGE
    if args.json:
        sys.stdout.write(json_line(result))
        return 0
    print(summary(result))
    return 0


def summary(result: dict) -> str:
    """One line for people: who was erased, how many records, when."""
    merged = len(result.get("absorbed_ids") or [])
    return (f"erased {result['customer_id']}: {result['records_sealed']} record(s) sealed"
            + (f", {merged} merged id(s)" if merged else "")
            + f" at {result['erased_at']} (requested by {result['requested_by']})")


def add_parsers(sub) -> None:
    p = command(sub, "erase", "erase a customer's personal data in every service",
                "crm erase C-0001 --by DPO-7 --reason 'customer request'",
                "crm erase C-0001 --by DPO-7 --yes --json")
    p.add_argument("customer_id", help="the golden customer (or a merged-away id of it)")
    p.add_argument("--by", required=True, help="who requested the erasure (staff id)")
    p.add_argument("--reason", default="", help="why (kept with the erasure; no personal data)")
    p.add_argument("--yes", action="store_true", help=YES_HELP)
    p.add_argument("--json", action="store_true", help="the result as one JSON line")
    p.set_defaults(func=erase)

"""`crm erase CUSTOMER_ID --by NAME [--reason TEXT] [--json]`: the right to be forgotten.

Dedup seals the golden customer and announces `customer.erased`, on which every
service seals its own copies. Repeating the command is safe: it reports the first
erasure again and sends nothing twice.
"""
from __future__ import annotations

import sys

from nameko.exceptions import RemoteError

from .client import rpc
from .output import json_line


def erase(args) -> int:
    try:
        with rpc() as proxy:
            result = proxy.dedup.erase(args.customer_id, args.by, args.reason)
    except RemoteError as exc:
        if exc.exc_type != "ValueError":
            raise
        print(f"crm erase: {exc.value}", file=sys.stderr)
        return 2
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
    p = sub.add_parser("erase", help="erase a customer's personal data in every service")
    p.add_argument("customer_id")
    p.add_argument("--by", required=True, help="who requested the erasure (staff id)")
    p.add_argument("--reason", default="", help="why (kept with the erasure; no personal data)")
    p.add_argument("--json", action="store_true", help="the result as one JSON line")
    p.set_defaults(func=erase)

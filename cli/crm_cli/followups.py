"""`crm followup CUSTOMER_ID --note TEXT [--outcome ...]` and `crm followups history|conversion`.

Domain §5: every follow-up is recorded (which resets the customer's reminder
clock) and conversion per intent class is reviewed to adjust the plan.
"""
from __future__ import annotations

import getpass
import json

from .client import rpc
from .output import emit


def followup(args) -> int:
    with rpc() as proxy:
        result = proxy.notification.followup_record(args.customer_id, args.note, args.outcome,
                                                    args.by)
    print(json.dumps(result, ensure_ascii=False))
    return 0


def history(args) -> int:
    with rpc() as proxy:
        emit(proxy.notification.followup_history(args.customer_id), args.json,
             ["at", "intent_class", "outcome", "by", "note"])
    return 0


def conversion(args) -> int:
    with rpc() as proxy:
        emit(proxy.notification.followup_conversion(), args.json,
             ["intent_class", "customers", "followups", "converted", "lost", "conversion"])
    return 0


def add_parsers(sub) -> None:
    rec = sub.add_parser("followup", help="record a follow-up with a customer (resets reminders)")
    rec.add_argument("customer_id")
    rec.add_argument("--note", required=True)
    rec.add_argument("--outcome", choices=["converted", "open", "lost"], default="open")
    rec.add_argument("--by", default=getpass.getuser(), help="who followed up")
    rec.set_defaults(func=followup)
    fus = sub.add_parser("followups", help="follow-up history and conversion per intent class")
    fsub = fus.add_subparsers(dest="action", required=True)
    hi = fsub.add_parser("history")
    hi.add_argument("customer_id")
    hi.add_argument("--json", action="store_true")
    hi.set_defaults(func=history)
    co = fsub.add_parser("conversion")
    co.add_argument("--json", action="store_true")
    co.set_defaults(func=conversion)

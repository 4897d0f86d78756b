"""`crm followup CUSTOMER_ID --note TEXT [--outcome ...]` and `crm followups history|conversion`.

Domain §5: every follow-up is recorded (which resets the customer's reminder
clock) and conversion per intent class is reviewed to adjust the plan.
"""
from __future__ import annotations

import getpass
import json

from .client import rpc
from .listing import add_options, show
from .parsers import command, group


def followup(args) -> int:
    with rpc() as proxy:
        result = proxy.notification.followup_record(args.customer_id, args.note, args.outcome,
                                                    args.by)
    print(json.dumps(result, ensure_ascii=False))
    return 0


def history(args) -> int:
    with rpc() as proxy:
        rows = proxy.notification.followup_history(args.customer_id)
    show(rows, args, ["at", "intent_class", "outcome", "by", "product", "note"],
         what="follow-ups")
    return 0


def conversion(args) -> int:
    with rpc() as proxy:
        rows = proxy.notification.followup_conversion()
    show(rows, args, ["intent_class", "customers", "followups", "converted", "lost",
                      "conversion"], what="intent classes")
    return 0


def add_parsers(sub) -> None:
    rec = command(sub, "followup", "record a follow-up with a customer (resets reminders)",
                  "crm followup C-0001 --note '电话回访，预约下周面谈' --outcome open")
    rec.add_argument("customer_id", help="the golden customer followed up")
    rec.add_argument("--note", required=True, help="what was said or agreed")
    rec.add_argument("--outcome", choices=["converted", "open", "lost"], default="open",
                     help="where the customer stands now (default open)")
    rec.add_argument("--by", default=getpass.getuser(),
                     help="who followed up (default: the login name)")
    rec.set_defaults(func=followup)
    fsub = group(sub, "followups", "follow-up history and conversion per intent class")
    hi = command(fsub, "history", "a customer's follow-ups, oldest first",
                 "crm followups history C-0001")
    hi.add_argument("customer_id", help="the golden customer")
    add_options(hi, what="follow-ups")
    hi.set_defaults(func=history)
    co = command(fsub, "conversion", "customers converted and lost per intent class",
                 "crm followups conversion --json")
    add_options(co, what="intent classes")
    co.set_defaults(func=conversion)

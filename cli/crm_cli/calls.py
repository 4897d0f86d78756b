"""`crm calls log|day|signoff|audit` and `crm leaderboard`: the call-tracking sheet.

A call of 60 s or more is effective; each branch makes its quota of effective calls
every working day; the accounting supervisor and the branch president sign the day,
which closes it; the audit draws one working day per branch and month (domain §9).
"""
from __future__ import annotations

import json

from .client import rpc
from .listing import add_options, show
from .output import plain_json_line
from .parsers import command, group
from .single import show_one

OUTCOMES = ["interested", "not_interested", "no_answer", "callback"]
DAY_COLUMNS = ["date", "branch", "staff_id", "effective", "calls", "quota", "met", "signed_off"]
BOARD_COLUMNS = ["rank", "branch", "staff_id", "effective", "interested", "conversions", "calls"]
AUDIT_COLUMNS = ["call_id", "staff_id", "customer_id", "seconds", "effective", "outcome",
                 "product", "note", "at"]


def log(args) -> int:
    with rpc() as proxy:
        call = proxy.campaigns.calls_log(args.campaign_id, args.customer_id, args.by,
                                         args.seconds, args.outcome, args.product, args.note)
    print(json.dumps(call, ensure_ascii=False))
    return 0


def day(args) -> int:
    with rpc() as proxy:
        rows = proxy.campaigns.calls_day(args.date, args.branch)
    show(rows, args, DAY_COLUMNS, what="lines")
    return 0


def signoff(args) -> int:
    with rpc() as proxy:
        sheet = proxy.campaigns.calls_signoff(args.date, args.branch, args.by, args.role)
    state = "closed" if sheet["closed"] else "waiting for the other signature"
    print(f"{sheet['branch']} {sheet['date']}: signed by {args.by} as {args.role}; {state}")
    return 0


def leaderboard(args) -> int:
    with rpc() as proxy:
        rows = proxy.campaigns.leaderboard(args.week)
    show(rows, args, BOARD_COLUMNS, what="lines")
    return 0


def audit(args) -> int:
    return show_one(args, lambda proxy: proxy.campaigns.calls_audit(args.month, args.branch,
                                                                    args.seed),
                    lambda sample: _audited(sample, args), encode=plain_json_line)


def _audited(sample: dict, args) -> None:
    """The draw in one line, then its calls (at most --limit of them)."""
    print(f"audit of {sample['branch']} for {sample['month']} (seed {sample['seed']}): "
          f"{sample['date']}, {len(sample['calls'])} calls; signed by "
          + (", ".join(f"{r} {s['by']}" for r, s in sample["signatures"].items()) or "nobody"))
    show(sample["calls"], args, AUDIT_COLUMNS, what="calls")


def add_parsers(sub) -> None:
    csub = group(sub, "calls", "the call-tracking sheet: log, the day's count, sign-off, audit")
    rec = command(csub, "log", "record one call of a campaign (60 s or more is effective)",
                  "crm calls log cmp-0123456789ab C-0001 --by BJ01-007 --seconds 95 "
                  "--outcome interested --product TD-3M --note '到期转存意向'")
    rec.add_argument("campaign_id", help="the campaign the customer is on")
    rec.add_argument("customer_id", help="the golden customer called")
    rec.add_argument("--by", required=True, help="the staff member who called")
    rec.add_argument("--seconds", type=int, required=True, help="how long the call lasted")
    rec.add_argument("--outcome", required=True, choices=OUTCOMES, help="how it ended")
    rec.add_argument("--product", help="the product offered (its code)")
    rec.add_argument("--note", help="the customer's needs, what was agreed")
    rec.set_defaults(func=log)

    today = command(csub, "day", "effective calls per staff member and branch against the quota",
                    "crm calls day --branch BJ01", "crm calls day --date 2026-12-01 --json")
    today.add_argument("--date", help="the day (default: today)")
    today.add_argument("--branch", help="only this branch (default: every branch with calls)")
    add_options(today, what="lines")
    today.set_defaults(func=day)

    sign = command(csub, "signoff", "sign a branch's day; with both signatures it closes",
                   "crm calls signoff --date 2026-12-01 --branch BJ01 --by BJ01-002 "
                   "--role supervisor")
    sign.add_argument("--date", required=True, help="the day signed")
    sign.add_argument("--branch", required=True, help="the branch")
    sign.add_argument("--by", required=True, help="who signs")
    sign.add_argument("--role", required=True, choices=["supervisor", "president"],
                      help="the accounting supervisor or the branch president")
    sign.set_defaults(func=signoff)

    check = command(csub, "audit", "the calls of one working day drawn for audit",
                    "crm calls audit --month 2026-12 --branch BJ01 --json")
    check.add_argument("--month", required=True, help="the month, e.g. 2026-12")
    check.add_argument("--branch", required=True, help="the branch audited")
    check.add_argument("--seed", help="the draw's seed (default: the service's audit_seed); "
                                      "the same seed draws the same day")
    add_options(check, what="calls")
    check.set_defaults(func=audit)

    board = command(sub, "leaderboard", "the week's effective calls, interest and conversions "
                    "per staff member and branch", "crm leaderboard --week 2026-W49 --json")
    board.add_argument("--week", required=True, help="an ISO week, e.g. 2026-W49")
    add_options(board, what="lines")
    board.set_defaults(func=leaderboard)

"""`crm campaigns create|list|show|close`: campaign plans (方案) and their call lists.

A plan names its owner, time range, the segment its customers come from and the
staff the list is shared among; its execution feedback is given when it closes, so
the next plan can be adjusted from it (domain §9).
"""
from __future__ import annotations

from .client import rpc
from .listing import add_options, ask, show
from .output import plain_json_line
from .parsers import command, group
from .single import show_one

LIST_COLUMNS = ["campaign_id", "name", "branch", "owner", "from", "to", "status", "staff",
                "customers", "called", "reached", "progress"]


def csv_list(text: str) -> list[str]:
    """argparse type: 'A,B' -> ['A', 'B'] (blanks dropped)."""
    return [part.strip() for part in text.split(",") if part.strip()]


def create(args) -> int:
    return show_one(args, lambda proxy: proxy.campaigns.campaigns_create(
        args.name, args.branch, args.owner, args.starts, args.ends, args.star,
        args.band, args.intent, args.maturing_within, args.min_balance, args.staff),
        print_view, encode=plain_json_line)


def listing(args) -> int:
    with rpc() as proxy:
        rows = proxy.campaigns.campaigns_list(args.branch, args.status, ask(args.limit))
    show(rows, args, LIST_COLUMNS, what="campaigns")
    return 0


def show_campaign(args) -> int:
    return show_one(args, lambda proxy: proxy.campaigns.campaigns_show(args.campaign_id),
                    print_view, encode=plain_json_line)


def close(args) -> int:
    with rpc() as proxy:
        view = proxy.campaigns.campaigns_close(args.campaign_id, args.feedback)
    print(f"closed {view['campaign_id']}: {view['progress']['reached']} of "
          f"{view['progress']['customers']} customers reached")
    return 0


def print_view(view: dict) -> None:
    """The plan, its progress and each staff member's list."""
    progress = view["progress"]
    print(f"{view['campaign_id']}  {view['name']}  branch {view['branch']}  owner "
          f"{view['owner']}  {view['from']} .. {view['to']}  {view['status']}")
    print(progress_line(progress))
    for staff, customers in view["lists"].items():
        done = progress["staff"].get(staff, {})
        print(f"{staff}: {len(customers)} customers, {done.get('reached', 0)} reached: "
              + " ".join(customers))
    if view.get("feedback"):
        print(f"feedback: {view['feedback']}")


def progress_line(progress: dict) -> str:
    """How far a campaign got, in one line (also make run's report)."""
    return (f"progress: {progress['reached']} of {progress['customers']} customers reached "
            f"({progress['ratio']:.0%}), {progress['called']} called; outcomes "
            + ", ".join(f"{k} {v}" for k, v in progress["outcomes"].items()))


def add_parsers(sub) -> None:
    csub = group(sub, "campaigns", "campaign plans: call lists shared among staff")
    new = command(csub, "create", "build a call list from a segment and share it among staff",
                  "crm campaigns create '12月二星电话营销' --branch BJ01 --owner BJ01-001 "
                  "--from 2026-12-01 --to 2026-12-31 --star 2 --staff BJ01-007,BJ01-008")
    new.add_argument("name", help="the plan's name")
    new.add_argument("--branch", required=True, help="only this branch's customers")
    new.add_argument("--owner", required=True, help="the person responsible (staff id)")
    new.add_argument("--from", dest="starts", required=True, metavar="DATE",
                     help="first day (2026-12-01)")
    new.add_argument("--to", dest="ends", required=True, metavar="DATE", help="last day")
    new.add_argument("--star", type=csv_list, help="star levels, e.g. 1,2 (default: any)")
    new.add_argument("--band", help="one service band, e.g. staff (default: any)")
    new.add_argument("--intent", type=csv_list, help="intent classes, e.g. A,B (default: any)")
    new.add_argument("--maturing-within", type=int, metavar="DAYS",
                     help="only customers with a product maturing within DAYS from today")
    new.add_argument("--min-balance", metavar="X",
                     help="only customers whose products' balances add up to X yuan or more")
    new.add_argument("--staff", type=csv_list, metavar="ID,ID",
                     help="who shares the list (default: the owner alone)")
    new.add_argument("--json", action="store_true", help="print the campaign as one JSON object")
    new.set_defaults(func=create)

    every = command(csub, "list", "campaigns, newest first, with their progress",
                    "crm campaigns list --branch BJ01 --json")
    every.add_argument("--branch", help="only this branch")
    every.add_argument("--status", choices=["open", "closed"], help="only open or closed ones")
    add_options(every, what="campaigns")
    every.set_defaults(func=listing)

    one = command(csub, "show", "one campaign: its lists per staff member, progress, outcomes",
                  "crm campaigns show cmp-0123456789ab --json")
    one.add_argument("campaign_id", help="from `crm campaigns list`")
    one.add_argument("--json", action="store_true", help="print one JSON object")
    one.set_defaults(func=show_campaign)

    end = command(csub, "close", "close a campaign with its execution feedback",
                  "crm campaigns close cmp-0123456789ab --feedback '接通率低，下期改在晚间'")
    end.add_argument("campaign_id", help="from `crm campaigns list`")
    end.add_argument("--feedback", required=True,
                     help="how it went, to adjust the next plan from")
    end.set_defaults(func=close)

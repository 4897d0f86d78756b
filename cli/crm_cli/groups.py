"""`crm groups list|show|link|unlink|explain`: group customers (domain.md §8), from the
groups service. `link` and `unlink` are rule 4 (other related-party ties the bank
decides to treat as a group): an officer's command, in the groups service's audit trail.
"""
from __future__ import annotations

import json

from .client import rpc
from .listing import add_options, show
from .output import emit, plain_json_line
from .parsers import command, group
from .single import show_one

LIST_COLUMNS = ["group_id", "members", "lead_branch", "exposure", "limit", "share_of_limit"]


def listing(args) -> int:
    with rpc() as proxy:
        rows = proxy.groups.groups_list()
    show(rows, args, LIST_COLUMNS, what="groups")
    return 0


def show_group(args) -> int:
    return show_one(args, lambda proxy: proxy.groups.group_show(args.group_id), _members,
                    encode=plain_json_line)


def _members(found: dict) -> None:
    """The group's figures, then one line per member with the rules that joined it."""
    emit([{k: found[k] for k in LIST_COLUMNS if k != "members"}], False)
    print()
    emit([{"customer_id": m["customer_id"], "name": m["name"], "branch": m["branch"],
           "joined_by": "; ".join(f"{t['rule']}: {t['why']}" for t in m["joined_by"])}
          for m in found["members"]], False)


def _answer(method: str, *names: str):
    def run(args) -> int:
        with rpc() as proxy:
            result = getattr(proxy.groups, method)(*(getattr(args, n) for n in names))
        print(json.dumps(result, ensure_ascii=False, default=str))
        return 0
    return run


def add_parsers(sub) -> None:
    gsub = group(sub, "groups", "group customers: related legal entities, one credit limit")
    every = command(gsub, "list", "every group with its exposure against the limit",
                    "crm groups list", "crm groups list --json")
    add_options(every, what="groups")
    every.set_defaults(func=listing)
    one = command(gsub, "show", "a group's members, and the rule that joined each",
                  "crm groups show G-3f9a1c2b7d4e --json")
    one.add_argument("group_id", help="the group id from `crm groups list`")
    one.add_argument("--json", action="store_true", help="one JSON object on stdout")
    one.set_defaults(func=show_group)
    link = command(gsub, "link", "treat two customers as one group (rule 4; officer)",
                   "crm groups link C-0001 C-0002 --reason '利润以非公允价格转移'")
    link.add_argument("a", help="a golden customer id")
    link.add_argument("b", help="the other golden customer id")
    link.add_argument("--reason", required=True, help="why the bank treats them as a group")
    link.set_defaults(func=_answer("link", "a", "b", "reason"))
    unlink = command(gsub, "unlink", "remove a manual link (officer)",
                     "crm groups unlink C-0001 C-0002")
    unlink.add_argument("a", help="a golden customer id")
    unlink.add_argument("b", help="the other golden customer id")
    unlink.set_defaults(func=_answer("unlink", "a", "b"))
    why = command(gsub, "explain", "why a customer is (or is not) in a group",
                  "crm groups explain C-0001")
    why.add_argument("customer_id", help="the golden customer")
    why.set_defaults(func=_answer("explain", "customer_id"))

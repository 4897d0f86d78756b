"""`crm managers ...`, `crm assign`, `crm assignments backlog|history`: the maintainers' roster."""
from __future__ import annotations

import json
from pathlib import Path

from .client import rpc
from .listfiles import FieldProfile, adapter_for_filename
from .confirm import YES_HELP, confirm
from .exits import Failed
from .listing import add_options, show
from .parsers import command, group

ROSTER_PROFILE = FieldProfile("roster", {
    "id": "id", "工号": "id", "员工编号": "id", "name": "name", "姓名": "name",
    "role": "role", "角色": "role", "岗位": "role", "branch": "branch", "网点": "branch",
    "所属网点": "branch", "capacity": "capacity", "容量": "capacity", "active": "active",
    "在职": "active", "channel": "channel", "通知渠道": "channel", "渠道": "channel",
    "address": "address", "通知地址": "address", "邮箱": "address", "language": "language",
    "语言": "language", "通知语言": "language"}, {})
# Where and how a maintainer is told: notification's preferences, not the roster's.
NOTICE_KEYS = ("channel", "address", "language")
LANGUAGE_NAMES = {"中文": "zh-CN", "简体中文": "zh-CN", "zh": "zh-CN", "zh-cn": "zh-CN",
                  "英文": "en", "english": "en", "en": "en"}
CHANNEL_NAMES = {"邮件": "email", "电子邮件": "email", "日志": "log"}
ROLE_NAMES_CN = {"理财经理": "financial_manager", "财富经理": "wealth_manager",
                 "网点主任": "branch_director", "大堂经理": "lobby_manager",
                 "柜员": "branch_staff", "网点员工": "branch_staff", "行长": "branch_president",
                 "支行行长": "branch_president", "客户经理": "customer_manager"}
COLUMNS = ["id", "name", "role", "branch", "capacity", "active", "load"]
SERVICE_BACKLOG = 100_000  # assignment's backlog RPC answers with at most this many


def read_roster(path: Path) -> list[dict]:
    rows = []
    for number, row in adapter_for_filename(path.name).parse(path.read_bytes(), ROSTER_PROFILE):
        if isinstance(row, str):
            raise Failed(f"crm managers import: row {number}: {row}")
        row["role"] = ROLE_NAMES_CN.get(str(row.get("role", "")).strip(), row.get("role"))
        row["id"] = str(row.get("id", "")).strip()
        rows.append(row)
    return rows


def notice_preferences(row: dict) -> dict:
    """Take the channel/address/language cells out of a roster row (they go to
    notification), with the Chinese spellings a roster uses read as the codes."""
    prefs = {key: str(row.pop(key)).strip() for key in NOTICE_KEYS if key in row}
    if prefs.get("language"):
        prefs["language"] = LANGUAGE_NAMES.get(prefs["language"].lower(), prefs["language"])
    if prefs.get("channel"):
        prefs["channel"] = CHANNEL_NAMES.get(prefs["channel"], prefs["channel"].lower())
    return {k: v for k, v in prefs.items() if v}


def managers_import(args) -> int:
    managers = read_roster(Path(args.file))
    notices = [{"recipient": m["id"], **p} for m in managers for p in [notice_preferences(m)] if p]
    with rpc() as proxy:
        counts = proxy.assignment.managers_upsert(managers)
        told = proxy.notification.preferences_set_many(notices) if notices else 0
    print(f"managers: {counts['created']} created, {counts['updated']} updated, "
          f"{counts['unchanged']} unchanged; notification channel, address or language "
          f"set for {told}")
    return 0


def managers_add(args) -> int:
    manager = {"id": args.id, "name": args.name, "role": args.role, "branch": args.branch,
               "capacity": args.capacity, "active": True}
    with rpc() as proxy:
        print(json.dumps(proxy.assignment.managers_upsert([manager])))
    return 0


def managers_update(args) -> int:
    with rpc() as proxy:
        current = {m["id"]: m for m in proxy.assignment.managers_list()}.get(args.id)
        if current is None:
            raise Failed(f"no maintainer {args.id}")
        changes = {k: v for k, v in (("name", args.name), ("role", args.role),
                                     ("branch", args.branch), ("capacity", args.capacity))
                   if v is not None}
        prefs = {k: getattr(args, k) for k in NOTICE_KEYS if getattr(args, k) is not None}
        if prefs:
            proxy.notification.preferences_set(args.id, prefs)
        if changes or not prefs:
            print(json.dumps(proxy.assignment.managers_upsert([{**current, **changes}])))
        if prefs:
            print(json.dumps({"notification": prefs}, ensure_ascii=False))
    return 0


def managers_list(args) -> int:
    with rpc() as proxy:
        rows = proxy.assignment.managers_list(args.branch)
    show(rows, args, COLUMNS, what="maintainers")
    return 0


def managers_load(args) -> int:
    with rpc() as proxy:
        rows = proxy.assignment.managers_list(args.branch)
    show([{"id": m["id"], "branch": m["branch"], "role": m["role"], "customers": m["load"],
           "capacity": m["capacity"],
           "utilization": f"{m['load'] / max(m['capacity'], 1):.0%}"} for m in rows],
         args, what="maintainers")
    return 0


def managers_deactivate(args) -> int:
    """Ask first (unless --yes), naming the maintainer and how many customers move."""
    with rpc(timeout=600) as proxy:
        found = {m["id"]: m for m in proxy.assignment.managers_list()}.get(args.id)
        if found is None:
            raise Failed(f"no maintainer {args.id}")
        confirm(f"Deactivate {args.id} ({found['name']}, {found['role']}, branch "
                f"{found['branch']}) and hand their {found['load']} customer(s) to "
                "colleagues?", args.yes, "crm managers deactivate")
        result = proxy.assignment.managers_deactivate(args.id)
    print(f"deactivated {args.id} (branch {found['branch']}): {result['moved']} customers "
          f"moved, {result['backlog']} waiting in the backlog"
          + ("" if found["active"] else " (was inactive already)"))
    return 0


def assign(args) -> int:
    with rpc() as proxy:
        print(json.dumps(proxy.assignment.assign(args.customer_id, args.manager_id, args.reason)))
    return 0


def backlog(args) -> int:
    with rpc() as proxy:
        rows = proxy.assignment.backlog()
    show(rows, args, ["customer_id", "branch", "role", "reason", "since"],
         cap=SERVICE_BACKLOG, what="customers")
    return 0


def history(args) -> int:
    with rpc() as proxy:
        show(proxy.assignment.history(args.customer_id), args, what="moves")
    return 0


def add_parsers(sub) -> None:
    add_manager_parsers(group(sub, "managers", "the maintainers' roster"))
    assign_p = command(sub, "assign", "give a customer to a named maintainer",
                       "crm assign C-0001 BJ01-007 --reason customer-choice")
    assign_p.add_argument("customer_id", help="the golden customer")
    assign_p.add_argument("manager_id", help="the maintainer's id (from `crm managers list`)")
    assign_p.add_argument("--reason", default="customer-choice",
                          help="why, kept in the history (default customer-choice)")
    assign_p.set_defaults(func=assign)

    asub = group(sub, "assignments", "backlog and history")
    bl = command(asub, "backlog", "customers waiting for a maintainer, oldest first",
                 "crm assignments backlog --limit 50")
    add_options(bl, what="customers")
    bl.set_defaults(func=backlog)
    hi = command(asub, "history", "a customer's maintainers over time",
                 "crm assignments history C-0001 --json")
    hi.add_argument("customer_id", help="the golden customer")
    add_options(hi, what="moves")
    hi.set_defaults(func=history)


def add_manager_parsers(msub) -> None:
    add = command(msub, "add", "add one maintainer to the roster",
                  "crm managers add --id BJ01-007 --name 王芳 --role financial_manager "
                  "--branch BJ01 --capacity 300")
    for name, text in (("id", "the staff id (工号)"), ("name", "the maintainer's name"),
                       ("role", "e.g. financial_manager, wealth_manager, branch_director"),
                       ("branch", "the branch code")):
        add.add_argument(f"--{name}", required=True, help=text)
    add.add_argument("--capacity", type=int, default=None,
                     help="most customers they keep (default: the role's from the config)")
    add.set_defaults(func=managers_add)
    upd = command(msub, "update", "change a maintainer's name, role, branch or capacity, "
                  "and how they are notified (channel, address, language)",
                  "crm managers update BJ01-007 --capacity 350",
                  "crm managers update BJ01-007 --channel email --address wangfang@bank.example "
                  "--language zh-CN")
    upd.add_argument("id", help="the maintainer's id")
    for name in ("name", "role", "branch"):
        upd.add_argument(f"--{name}", help=f"the new {name} (default: unchanged)")
    upd.add_argument("--capacity", type=int, help="the new capacity (default: unchanged)")
    upd.add_argument("--channel", help="how notifications reach them: log, email, webhook "
                                       "(a channel notification has configured)")
    upd.add_argument("--address", help="where: an e-mail address or a webhook URL")
    upd.add_argument("--language", choices=("zh-CN", "en"),
                     help="the language of their notifications")
    upd.set_defaults(func=managers_update)
    for name, func, text, example in (
            ("list", managers_list, "the roster", "crm managers list --branch BJ01"),
            ("load", managers_load, "customers per maintainer against capacity",
             "crm managers load --branch BJ01")):
        p = command(msub, name, text, example)
        p.add_argument("--branch", help="only this branch (default: all)")
        add_options(p, what="maintainers")
        p.set_defaults(func=func)
    deact = command(msub, "deactivate", "take a maintainer off the roster; their customers "
                    "go to colleagues or wait in the backlog",
                    "crm managers deactivate BJ01-007", "crm managers deactivate BJ01-007 --yes")
    deact.add_argument("id", help="the maintainer's id")
    deact.add_argument("--yes", action="store_true", help=YES_HELP)
    deact.set_defaults(func=managers_deactivate)
    imp = command(msub, "import", "create or update maintainers from a roster file",
                  "crm managers import roster.xlsx")
    imp.add_argument("file", help="CSV or XLSX with id/工号, name/姓名, role/角色, "
                                  "branch/网点, capacity/容量, active/在职 columns, and "
                                  "optionally channel/通知渠道, address/通知地址, "
                                  "language/语言 (zh-CN or en; 中文, 英文)")
    imp.set_defaults(func=managers_import)

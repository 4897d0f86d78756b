"""`crm managers ...`, `crm assign`, `crm assignments backlog|history`: the maintainers' roster."""
from __future__ import annotations

import json
from pathlib import Path

from .client import rpc
from .listfiles import FieldProfile, adapter_for_filename
from .output import emit

ROSTER_PROFILE = FieldProfile("roster", {
    "id": "id", "工号": "id", "员工编号": "id", "name": "name", "姓名": "name",
    "role": "role", "角色": "role", "岗位": "role", "branch": "branch", "网点": "branch",
    "所属网点": "branch", "capacity": "capacity", "容量": "capacity", "active": "active",
    "在职": "active"}, {})
ROLE_NAMES_CN = {"理财经理": "financial_manager", "财富经理": "wealth_manager",
                 "网点主任": "branch_director", "大堂经理": "lobby_manager",
                 "柜员": "branch_staff", "网点员工": "branch_staff", "行长": "branch_president",
                 "支行行长": "branch_president", "客户经理": "customer_manager"}
COLUMNS = ["id", "name", "role", "branch", "capacity", "active", "load"]


def read_roster(path: Path) -> list[dict]:
    rows = []
    for number, row in adapter_for_filename(path.name).parse(path.read_bytes(), ROSTER_PROFILE):
        if isinstance(row, str):
            raise SystemExit(f"crm managers import: row {number}: {row}")
        row["role"] = ROLE_NAMES_CN.get(str(row.get("role", "")).strip(), row.get("role"))
        row["id"] = str(row.get("id", "")).strip()
        rows.append(row)
    return rows


def managers_import(args) -> int:
    managers = read_roster(Path(args.file))
    with rpc() as proxy:
        counts = proxy.assignment.managers_upsert(managers)
    print(f"managers: {counts['created']} created, {counts['updated']} updated, "
          f"{counts['unchanged']} unchanged")
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
            raise SystemExit(f"crm: no maintainer {args.id}")
        changes = {k: v for k, v in (("name", args.name), ("role", args.role),
                                     ("branch", args.branch), ("capacity", args.capacity))
                   if v is not None}
        print(json.dumps(proxy.assignment.managers_upsert([{**current, **changes}])))
    return 0


def managers_list(args) -> int:
    with rpc() as proxy:
        rows = proxy.assignment.managers_list(args.branch)
    emit(rows, args.json, COLUMNS)
    return 0


def managers_load(args) -> int:
    with rpc() as proxy:
        rows = proxy.assignment.managers_list(args.branch)
    emit([{"id": m["id"], "branch": m["branch"], "role": m["role"], "customers": m["load"],
           "capacity": m["capacity"],
           "utilization": f"{m['load'] / max(m['capacity'], 1):.0%}"} for m in rows],
         args.json)
    return 0


def managers_deactivate(args) -> int:
    with rpc(timeout=600) as proxy:
        result = proxy.assignment.managers_deactivate(args.id)
    print(f"deactivated {args.id}: {result['moved']} customers moved, "
          f"{result['backlog']} waiting in the backlog")
    return 0


def assign(args) -> int:
    with rpc() as proxy:
        print(json.dumps(proxy.assignment.assign(args.customer_id, args.manager_id, args.reason)))
    return 0


def backlog(args) -> int:
    with rpc() as proxy:
        rows = proxy.assignment.backlog()
    emit(rows, args.json, ["customer_id", "branch", "role", "reason", "since"])
    return 0


def history(args) -> int:
    with rpc() as proxy:
        emit(proxy.assignment.history(args.customer_id), args.json)
    return 0


def add_parsers(sub) -> None:
    managers = sub.add_parser("managers", help="the maintainers' roster")
    msub = managers.add_subparsers(dest="action", required=True)
    add = msub.add_parser("add")
    for name in ("id", "name", "role", "branch"):
        add.add_argument(f"--{name}", required=True)
    add.add_argument("--capacity", type=int, default=None)
    add.set_defaults(func=managers_add)
    upd = msub.add_parser("update")
    upd.add_argument("id")
    for name in ("name", "role", "branch"):
        upd.add_argument(f"--{name}")
    upd.add_argument("--capacity", type=int)
    upd.set_defaults(func=managers_update)
    for name, func in (("list", managers_list), ("load", managers_load)):
        p = msub.add_parser(name)
        p.add_argument("--branch")
        p.add_argument("--json", action="store_true")
        p.set_defaults(func=func)
    deact = msub.add_parser("deactivate")
    deact.add_argument("id")
    deact.set_defaults(func=managers_deactivate)
    imp = msub.add_parser("import")
    imp.add_argument("file")
    imp.set_defaults(func=managers_import)

    assign_p = sub.add_parser("assign", help="give a customer to a named maintainer")
    assign_p.add_argument("customer_id")
    assign_p.add_argument("manager_id")
    assign_p.add_argument("--reason", default="customer-choice")
    assign_p.set_defaults(func=assign)

    assignments = sub.add_parser("assignments", help="backlog and history")
    asub = assignments.add_subparsers(dest="action", required=True)
    bl = asub.add_parser("backlog")
    bl.add_argument("--json", action="store_true")
    bl.set_defaults(func=backlog)
    hi = asub.add_parser("history")
    hi.add_argument("customer_id")
    hi.add_argument("--json", action="store_true")
    hi.set_defaults(func=history)

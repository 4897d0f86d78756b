"""`crm operators add|list|revoke`: the people who may run crm, and their roles.

`add NAME --role R [--until YYYY-MM-DD]` prints the operator's broker URI once, as the
shell line CRM_AMQP_URI=amqp://...; `crm` run with it in its environment acts as that
operator. Ingestion owns the operators; every service keeps a copy of the grants, so
`add` and `revoke` wait until every service holds the change before they return.
"""
from __future__ import annotations

import sys
import time

from .client import SERVICES, rpc
from .clients import broker_user_fate
from .listing import add_options, show
from .parsers import command, group

PROPAGATION_SECONDS = 30.0


def _wait_for_services(proxy, broker_user: str, version: int) -> list[str]:
    """The services that do not hold this version of the grant after the wait."""
    deadline = time.monotonic() + PROPAGATION_SECONDS
    late = list(SERVICES)
    while late and time.monotonic() < deadline:
        late = [s for s in late if (getattr(proxy, s).grant_version(broker_user) or 0) < version]
        if late:
            time.sleep(0.3)
    return late


def add(args) -> int:
    with rpc() as proxy:
        made = proxy.ingestion.operators_add(args.name, args.role, args.until)
        late = _wait_for_services(proxy, made["broker_user"], made["version"])
    print(f"CRM_AMQP_URI={made['amqp_uri']}")
    print(f"operator {made['name']} created ({made['role']}"
          + (f", until {made['until']}" if made["until"] else "")
          + f"; broker user {made['broker_user']}); the URI is shown only now", file=sys.stderr)
    if made.get("expired"):
        print(f"crm operators add: note: the grant ended on {made['until']}: it allows nothing",
              file=sys.stderr)
    if late:
        print(f"crm operators add: {', '.join(late)} do not know the grant yet", file=sys.stderr)
    return 0


def listing(args) -> int:
    with rpc() as proxy:
        rows = proxy.ingestion.operators_list()
    show(rows, args, ["name", "role", "until", "broker_user", "created_at", "revoked_at"],
         what="operators")
    return 0


def revoke(args) -> int:
    with rpc() as proxy:
        done = proxy.ingestion.operators_revoke(args.name)
        late = _wait_for_services(proxy, done["broker_user"], done["version"])
    print(f"revoked {done['name']}: broker user {done['broker_user']} "
          + broker_user_fate(done, "left to the platform")
          + (f"; {', '.join(late)} not told yet" if late else "; every service refuses it"))
    return 0


def add_parsers(sub) -> None:
    osub = group(sub, "operators", "people who may run crm, with their roles")
    a = command(osub, "add", "create an operator; prints CRM_AMQP_URI once",
                "crm operators add wang.fang --role officer --until 2026-12-31")
    a.add_argument("name", help="the operator's name (a login name, unique)")
    a.add_argument("--role", required=True, choices=["viewer", "officer", "admin"],
                   help="viewer: listings masked; officer: also unmasked views, exports, "
                        "reviews, imports, assignments; admin: also erasure, keys, rules, "
                        "clients, operators")
    a.add_argument("--until", help="the last day the grant holds (YYYY-MM-DD)")
    a.set_defaults(func=add)
    ls = command(osub, "list", "every operator, revoked ones too", "crm operators list --json")
    add_options(ls, what="operators")
    ls.set_defaults(func=listing)
    r = command(osub, "revoke", "refuse an operator everywhere and delete its broker user",
                "crm operators revoke wang.fang")
    r.add_argument("name", help="the operator's name")
    r.set_defaults(func=revoke)

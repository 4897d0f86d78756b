"""`crm clients add|list|revoke`: the upstream systems that may send customer records.

`add NAME --sources S1,S2 [--may-erase]` prints the client's credentials once, as two
shell lines (INTAKE_TOKEN=... for HTTP, UPSTREAM_AMQP_URI=amqp://... for AMQP): only
the token's hash is stored, so they cannot be shown again. `revoke NAME` stops both
at once. Ingestion owns the clients (docs/access-control.md).
"""
from __future__ import annotations

import sys

from nameko.exceptions import RemoteError

from .client import rpc
from .exits import USAGE, first_line
from .listing import add_options, show
from .parsers import command, group

REFUSALS = ("ValueError", "BrokerUsersUnavailable")


def _call(command: str, method: str, *args):
    """The RPC's result, or None after printing why ingestion refused."""
    try:
        with rpc() as proxy:
            return getattr(proxy.ingestion, method)(*args)
    except RemoteError as exc:
        if exc.exc_type not in REFUSALS:
            raise
        print(f"crm clients {command}: {first_line(exc.value)}", file=sys.stderr)
        return None


def add(args) -> int:
    sources = [s.strip() for s in args.sources.split(",")]
    result = _call("add", "clients_add", args.name, sources, args.may_erase)
    if result is None:
        return USAGE
    print(f"INTAKE_TOKEN={result['token']}")
    if result.get("amqp_uri"):
        print(f"UPSTREAM_AMQP_URI={result['amqp_uri']}")
    print(f"client {result['name']} created (broker user {result['broker_user']}); "
          "these credentials are shown only now", file=sys.stderr)
    return 0


def listing(args) -> int:
    rows = _call("list", "clients_list")
    if rows is None:
        return USAGE
    show(rows, args, ["name", "sources", "may_erase", "broker_user", "created_at",
                      "revoked_at"], what="clients")
    return 0


def revoke(args) -> int:
    result = _call("revoke", "clients_revoke", args.name)
    if result is None:
        return USAGE
    print(f"revoked {result['name']}: token refused; broker user {result['broker_user']} "
          + broker_user_fate(result, "refused by ingestion (delete it on the broker too)"))
    return 0


def broker_user_fate(result: dict, platform: str) -> str:
    """What became of a revoked client's or operator's broker user; `platform` names
    what is left to do where the platform owns the broker users."""
    state = result.get("broker_user_deletion") or (
        "done" if result["broker_user_deleted"] else "platform")
    return {"done": "deleted",
            "pending": "still to be deleted: the broker's management API did not answer, "
                       "ingestion retries every 30 s"}.get(
        state, platform)


def add_parsers(sub) -> None:
    csub = group(sub, "clients", "upstream systems allowed to send records")
    a = command(csub, "add", "create a client; prints INTAKE_TOKEN and UPSTREAM_AMQP_URI once",
                "crm clients add core_banking --sources core,branch_cn --may-erase")
    a.add_argument("name", help="the client's name (unique)")
    a.add_argument("--sources", required=True,
                   help="comma-separated sources it may write ('*': all)")
    a.add_argument("--may-erase", action="store_true", help="it may send customer.erase requests")
    a.set_defaults(func=add)
    ls = command(csub, "list", "every client, revoked ones too (never a token)",
                 "crm clients list --json")
    add_options(ls, what="clients")
    ls.set_defaults(func=listing)
    r = command(csub, "revoke", "stop a client's token and broker user at once",
                "crm clients revoke core_banking")
    r.add_argument("name", help="the client's name")
    r.set_defaults(func=revoke)

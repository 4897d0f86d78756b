"""`crm`: one command family to operate the pipeline. Every listing has `--json` (JSON lines)."""
from __future__ import annotations

import argparse
import sys

from nameko.exceptions import RemoteError

from . import audit, commands, keys, erasure, followups, imports, operators, roster
from . import deadletters
from . import dedup


REFUSED = 3
"""Exit code of a command the services refused: no or an expired, revoked or too weak
grant (docs/access-control.md)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crm", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    drain = sub.add_parser("drain", help="wait until every pipeline queue is empty and stays so")
    drain.add_argument("--timeout", type=float, default=300)
    drain.add_argument("--quiet-seconds", type=float, default=3)
    drain.set_defaults(func=commands.drain)

    status = sub.add_parser("status", help="services, consumers and queue depths")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=commands.status)

    export = sub.add_parser("export", help="export clusters, tiers or assignments as JSON lines")
    export.add_argument("what", choices=["clusters", "tiers", "assignments"])
    export.set_defaults(func=commands.export)

    imports.add_parsers(sub)
    roster.add_parsers(sub)
    commands.add_parsers(sub)
    followups.add_parsers(sub)
    erasure.add_parsers(sub)
    audit.add_parsers(sub)
    keys.add_parsers(sub)
    deadletters.add_parsers(sub)
    operators.add_parsers(sub)
    dedup.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    try:
        result = args.func(args)
    except KeyboardInterrupt:
        return 130
    except RemoteError as exc:
        if exc.exc_type != "Forbidden":
            print(f"crm: {exc.exc_type}: {exc.value}", file=sys.stderr)
            return 1
        print(f"crm: refused: {exc.value}", file=sys.stderr)
        return REFUSED
    except Exception as exc:  # show the service's own error text, not a traceback
        if "ACCESS_REFUSED" in str(exc) or type(exc).__name__ == "AccessRefused":
            print("crm: refused: the broker does not accept this operator's user "
                  "(revoked, or a wrong CRM_AMQP_URI)", file=sys.stderr)
            return REFUSED
        print(f"crm: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())

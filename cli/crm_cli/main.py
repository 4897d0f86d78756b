"""`crm`: one command family to operate the pipeline. Every listing has `--json` (JSON
lines) and `--limit`; `crm COMMAND -h` shows each option and an example."""
from __future__ import annotations

import argparse
import os
import sys

from . import audit, commands, keys, erasure, followups, groups, imports, operators, roster
from . import deadletters
from . import dedup
from . import calls, campaigns
from . import exits
from .listing import add_options
from .parsers import command

REFUSED = exits.REFUSED
"""Exit code of a command the services refused: no or an expired, revoked or too weak
grant (docs/access-control.md)."""

NO_STACK = ("crm: no stack found", "crm: RABBITMQ_MANAGEMENT_URL is not set")
"""Messages of crm_cli.client when it has nowhere to connect: exit 4, not 1."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crm", description=__doc__, epilog=exits.EPILOG)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    drain = command(sub, "drain", "wait until every pipeline queue is empty and stays so",
                    "crm drain --timeout 120")
    drain.add_argument("--timeout", type=float, default=300, metavar="SECONDS",
                       help="give up after this long (exit 5), naming what still holds "
                            "work (default 300)")
    drain.add_argument("--quiet-seconds", type=float, default=3, metavar="SECONDS",
                       help="how long every poll must find nothing (at least one broker "
                            "statistics interval; default 3)")
    drain.set_defaults(func=commands.drain)

    status = command(sub, "status", "services, consumers and queue depths "
                     "(exit 1 when a service has no consumer)", "crm status",
                     "crm status --json")
    add_options(status, what="queues")
    status.set_defaults(func=commands.status)

    export = command(sub, "export", "export clusters, tiers or assignments as JSON lines",
                     "crm export clusters > clusters.jsonl", "crm export tiers --limit 10")
    export.add_argument("what", choices=["clusters", "tiers", "assignments"],
                        help="golden customers with their members, tiers per scheme, or "
                             "maintainer assignments")
    add_options(export, default=None, what="rows")
    export.set_defaults(func=commands.export)

    imports.add_parsers(sub)
    roster.add_parsers(sub)
    commands.add_parsers(sub)
    followups.add_parsers(sub)
    groups.add_parsers(sub)
    erasure.add_parsers(sub)
    audit.add_parsers(sub)
    keys.add_parsers(sub)
    deadletters.add_parsers(sub)
    operators.add_parsers(sub)
    dedup.add_parsers(sub)
    campaigns.add_parsers(sub)
    calls.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)  # a usage error exits 2 here
    try:
        result = args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `crm export clusters | head`: the reader has enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return exits.FAILED
    except SystemExit as exc:
        if not isinstance(exc.code, str):
            raise
        print(exc.code, file=sys.stderr)
        return exits.UNREACHABLE if exc.code.startswith(NO_STACK) else exits.FAILED
    except Exception as exc:  # one readable line, never a traceback
        code, line = exits.classify(exc)
        print(line, file=sys.stderr)
        return code
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())

"""`--json` and `--limit` for every listing, and the notice when a listing is cut.

A listing never stops silently: when there were more rows than shown, one line on
stderr says so (stdout stays a clean table or clean JSON lines). Where the service
takes a limit, crm asks for one row more than it shows, so it knows; where the service
has a fixed cap of its own, reaching the cap is reported as 'there may be more'.
"""
from __future__ import annotations

import argparse
import sys

from .output import emit

DEFAULT_LIMIT = 1000


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_options(parser: argparse.ArgumentParser, default: int | None = DEFAULT_LIMIT,
                what: str = "rows") -> None:
    """The two options every listing has (`default` None: everything unless --limit)."""
    parser.add_argument("--json", action="store_true",
                        help="one JSON object per line on stdout, for programs")
    parser.add_argument("--limit", type=positive_int, default=default, metavar="N",
                        help=f"show at most N {what} (default: "
                             f"{'all' if default is None else default}); stderr says "
                             "when there were more")


def cut_notice(shown: int, fetched: int, limit: int | None, cap: int | None = None,
               what: str = "rows") -> str | None:
    """The line that says a listing was cut, or None when it is complete.

    `fetched`: rows received (crm asks for limit + 1 where it can); `cap`: a fixed
    maximum of the service's own listing, which a full answer may have hit."""
    if limit is not None and fetched > limit:
        return (f"crm: showing the first {shown} {what}; there are more "
                f"(pass a higher --limit)")
    if cap is not None and fetched >= cap:
        return (f"crm: showing {shown} {what}, the most this listing of the service "
                f"returns; there may be more")
    return None


def show(rows: list[dict], args, columns: list[str] | None = None, cap: int | None = None,
         what: str = "rows") -> None:
    """Print at most `args.limit` rows (table or JSON lines) and, on stderr, whether
    the listing was cut."""
    limit = getattr(args, "limit", None)
    shown = rows if limit is None else rows[:limit]
    emit(shown, args.json, columns)
    notice = cut_notice(len(shown), len(rows), limit, cap, what)
    if notice:
        sys.stdout.flush()
        print(notice, file=sys.stderr)


def ask(limit: int | None) -> int:
    """How many rows to ask a service for, so that a cut can be seen: one more."""
    return 0 if limit is None else limit + 1

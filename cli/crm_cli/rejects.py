"""`crm rejects list|show|replay|export`: records kept for repair, re-running them, and
handing an import batch's rejects back to the list owner."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from . import reject_export as export
from .client import rpc
from .exits import USAGE, UsageError
from .listing import add_options, ask, show
from .output import json_line
from .parsers import command, group
from .single import show_one

COLUMNS = ["id", "channel", "reason", "source", "row", "received_at", "excerpt"]


def rejects_list(args) -> int:
    with rpc() as proxy:
        rows = proxy.ingestion.rejects_list("open", ask(args.limit), args.batch)
    show(rows, args, COLUMNS, what="rejects")
    return 0


def rejects_export(args) -> int:
    """A batch's open rejects as a spreadsheet: original rows, reason per row."""
    with rpc(timeout=600) as proxy:
        rejects = proxy.ingestion.rejects_export(args.batch)
    header, rows = export.sheet(rejects)
    data = export.to_xlsx(header, rows) if args.format == "xlsx" else export.to_csv(header, rows)
    Path(args.file).write_bytes(data)
    print(f"{len(rows)} reject(s) of batch {args.batch} written to {args.file}", file=sys.stderr)
    return 0


def rejects_show(args) -> int:
    """One reject with its whole raw input, masked: what to correct before a replay."""
    return show_one(args, lambda proxy: proxy.ingestion.rejects_show(args.id),
                    lambda reject: print(json.dumps(reject, ensure_ascii=False, indent=1)),
                    missing=f"no reject {args.id}")


def rejects_replay(args) -> int:
    """Re-run one reject (with corrections) or all open ones; one line per reject run,
    then the counts. Exit 2 when the one reject named is still rejected (its input, as
corrected, is invalid)."""
    if bool(args.id) == bool(args.all):
        raise UsageError("crm rejects replay: give one reject ID or --all")
    corrections = _corrections(args)
    if corrections and args.all:
        raise UsageError("crm rejects replay: --set/--set-json/--unset apply to one reject ID")
    with rpc() as proxy:
        outcome = proxy.ingestion.rejects_replay(None if args.all else args.id, corrections)
    if args.json:
        sys.stdout.write(json_line(outcome))
    for result in outcome.get("results", []):
        if result["status"] == "rejected":
            print(f"{result['id']}: still rejected ({result['reason']}): "
                  f"{'; '.join(result.get('errors', []))}", file=sys.stderr)
        elif not args.json:
            print(f"{result['id']}: {result['status']}")
    if not args.json:
        print(f"replayed: {len(outcome.get('results', []))} reject(s), "
              f"{outcome['accepted']} accepted, {outcome['still_rejected']} still rejected")
    return 0 if outcome["still_rejected"] == 0 or args.all else USAGE


def _corrections(args) -> dict:
    """--set PATH=TEXT (a string), --set-json PATH=JSON (typed), --unset PATH (remove)."""
    fixes: dict = {}
    for option, items in (("--set", args.set or []), ("--set-json", args.set_json or [])):
        for item in items:
            path, sep, value = item.partition("=")
            if not sep or not path:
                raise UsageError(f"crm rejects replay: {option} wants PATH=VALUE, got {item!r}")
            try:
                fixes[path] = json.loads(value) if option == "--set-json" else value
            except ValueError:
                raise UsageError(f"crm rejects replay: --set-json {path}: not JSON: "
                                 f"{value!r}") from None
    fixes.update({path: None for path in args.unset or []})
    return fixes


def add_parsers(sub) -> None:
    """`crm rejects list|show|replay|export`."""
    rsub = group(sub, "rejects", "records kept for repair")
    rl = command(rsub, "list", "open rejects, newest first", "crm rejects list",
                 "crm rejects list --json --limit 5000 > rejects.jsonl")
    add_options(rl, what="rejects")
    rl.add_argument("--batch", metavar="ID", help="only the rejects of this import batch "
                                                  "(the id `crm import` printed)")
    rl.set_defaults(func=rejects_list)
    rx = command(rsub, "export", "an import batch's open rejects as a spreadsheet: the "
                                 "original rows and the reason per row, to fix and import again",
                 "crm rejects export --batch 65a1f0c2e4b0a1b2c3d4e5f6 --format xlsx rejects.xlsx",
                 "crm rejects export --batch 65a1f0c2e4b0a1b2c3d4e5f6 --format csv rejects.csv")
    rx.add_argument("--batch", metavar="ID", required=True, help="the import batch")
    rx.add_argument("--format", choices=("xlsx", "csv"), required=True,
                    help="xlsx (every cell text) or csv (UTF-8 with BOM)")
    rx.add_argument("file", help="where to write the spreadsheet")
    rx.set_defaults(func=rejects_export)
    rs = command(rsub, "show", "one reject with its raw input (masked)",
                 "crm rejects show 65a1f0c2e4b0a1b2c3d4e5f6")
    rs.add_argument("id", help="the reject id from `crm rejects list`")
    rs.add_argument("--json", action="store_true", help="the reject as one JSON line")
    rs.set_defaults(func=rejects_show)
    rr = command(rsub, "replay", "run rejects through the pipeline again, after a fix",
                 "crm rejects replay 65a1f0c2e4b0a1b2c3d4e5f6 --set phones=13812340001",
                 "crm rejects replay --all")
    rr.add_argument("id", nargs="?", help="one reject id (or --all)")
    rr.add_argument("--all", action="store_true", help="every open reject")
    rr.add_argument("--set", action="append", metavar="PATH=TEXT",
                    help="correct a field of the raw record before the replay (repeatable)")
    rr.add_argument("--set-json", action="append", metavar="PATH=JSON",
                    help="like --set, with a JSON value (number, list, true ...)")
    rr.add_argument("--unset", action="append", metavar="PATH", help="remove a field")
    rr.add_argument("--json", action="store_true",
                    help="the outcome (counts and one result per reject) as one JSON line")
    rr.set_defaults(func=rejects_replay)

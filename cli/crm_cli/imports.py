"""`crm import FILE` and `crm imports list|show`: list files in, as tracked batches."""
from __future__ import annotations

import getpass
import json
from pathlib import Path

from .client import rpc
from .listfiles import BUILTIN_PROFILES, adapter_for_filename
from .exits import Failed, UsageError
from .listing import add_options, show
from .output import emit
from .parsers import command, group
from .progress import bar, wanted

CHUNK = 500  # rows per import_rows call: one unit of work (transaction) in ingestion
SERVICE_BATCHES = 100  # ingestion's imports_list answers with the newest 100 batches


def run_import(args) -> int:
    path = Path(args.file)
    adapter = adapter_for_filename(path.name)
    profile = args.profile or "auto"
    if profile not in (*BUILTIN_PROFILES, "auto"):
        raise UsageError(f"crm import: unknown profile {profile!r}; "
                         f"one of {sorted(BUILTIN_PROFILES)} or auto")
    show = wanted(args.json)
    data = path.read_bytes()
    with bar(f"reading {path.name}", None, show) as reading:
        rows = []
        for row in adapter.parse(data, profile):
            rows.append(row)
            reading.advance(1)
        reading.finish()
    totals = {"received": 0, "accepted": 0, "rejected": 0, "unchanged": 0}
    seen: dict[str, int] = {}
    duplicates = 0
    with rpc(timeout=600) as proxy, bar("importing", len(rows), show) as sending:
        batch_id = proxy.ingestion.start_import(args.source, args.imported_by, path.name)
        for start in range(0, max(len(rows), 1), CHUNK):
            chunk = []
            for number, record in rows[start:start + CHUNK]:
                if isinstance(record, dict):
                    record = {**record, "source": args.source}
                    key = record.get("external_id")
                    if key not in (None, ""):  # a row without an id duplicates nothing
                        duplicates += str(key) in seen
                        seen.setdefault(str(key), number)
                chunk.append((number, record))
            last = start + CHUNK >= len(rows)
            counts = proxy.ingestion.import_rows(batch_id, chunk, last)
            for key, value in counts.items():
                totals[key] += value
            sending.advance(len(chunk), note=f"{totals['rejected']} rejected")
    unmapped = getattr(adapter, "unmapped_headers", None)
    used = getattr(adapter, "profile_used", None)
    if args.json:
        print(json.dumps({"batch_id": batch_id, **totals, "duplicates": duplicates,
                          "profile": used.name if used else profile,
                          "ignored_columns": unmapped or []}, ensure_ascii=False))
        return 0
    print(f"import {batch_id}: {totals['received']} rows, {totals['accepted']} accepted, "
          f"{totals['unchanged']} unchanged, {totals['rejected']} rejected, "
          f"{duplicates} duplicates of earlier rows"
          + (f"; ignored columns: {', '.join(unmapped)}" if unmapped else ""))
    return 0


def imports_list(args) -> int:
    with rpc() as proxy:
        rows = proxy.ingestion.imports_list()
    show(rows, args, ["id", "source", "filename", "imported_by", "started_at", "status",
                      "received", "accepted", "unchanged", "rejected"],
         cap=SERVICE_BATCHES, what="batches")
    return 0


def imports_show(args) -> int:
    with rpc() as proxy:
        batch = proxy.ingestion.imports_show(args.id)
    if batch is None:
        raise Failed(f"no import {args.id}")
    emit([batch], args.json)
    return 0


def add_parsers(sub) -> None:
    imp = command(sub, "import", "import a list file (CSV UTF-8/GB18030, XLSX, JSON)",
                  "crm import customers.xlsx --source branch_cn --profile branch_cn",
                  "crm import list.csv --source campaign_2026 --json")
    imp.add_argument("file", help="the list: .csv/.tsv, .xlsx, .json or .jsonl")
    imp.add_argument("--source", required=True, help="the channel this list came from")
    imp.add_argument("--profile", help=f"column mapping: {sorted(BUILTIN_PROFILES)} or auto "
                                       "(default auto)")
    imp.add_argument("--imported-by", default=getpass.getuser(),
                     help="who imports (default: the login name)")
    imp.add_argument("--json", action="store_true", help="print the summary as one JSON line")
    imp.set_defaults(func=run_import)
    isub = group(sub, "imports", "import batches")
    il = command(isub, "list", "import batches, newest first", "crm imports list",
                 "crm imports list --json --limit 10")
    add_options(il, what="batches")
    il.set_defaults(func=imports_list)
    ish = command(isub, "show", "one import batch and its counts",
                  "crm imports show 65a1f0c2e4b0a1b2c3d4e5f6")
    ish.add_argument("id", help="the batch id printed by `crm import` or `crm imports list`")
    ish.add_argument("--json", action="store_true", help="the batch as one JSON line")
    ish.set_defaults(func=imports_show)

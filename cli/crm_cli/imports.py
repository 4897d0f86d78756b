"""`crm import FILE` and `crm imports list|show`: list files in, as tracked batches."""
from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path

from .client import rpc
from .listfiles import BUILTIN_PROFILES, adapter_for_filename
from .output import emit

CHUNK = 500  # rows per import_rows call: one unit of work (transaction) in ingestion


def run_import(args) -> int:
    path = Path(args.file)
    adapter = adapter_for_filename(path.name)
    profile = args.profile or "auto"
    if profile not in (*BUILTIN_PROFILES, "auto"):
        raise SystemExit(f"crm import: unknown profile {profile!r}; "
                         f"one of {sorted(BUILTIN_PROFILES)} or auto")
    rows = list(adapter.parse(path.read_bytes(), profile))
    totals = {"received": 0, "accepted": 0, "rejected": 0, "unchanged": 0}
    seen: dict[str, int] = {}
    duplicates = 0
    with rpc(timeout=600) as proxy:
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
            _progress(totals["received"], len(rows))
    print(file=sys.stderr)
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


def _progress(done: int, total: int) -> None:
    if not sys.stderr.isatty() and done < total:
        return
    width = 30
    filled = int(width * done / max(total, 1))
    print(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end="",
          file=sys.stderr, flush=True)


def imports_list(args) -> int:
    with rpc() as proxy:
        rows = proxy.ingestion.imports_list()
    emit(rows, args.json, ["id", "source", "filename", "imported_by", "started_at", "status",
                           "received", "accepted", "unchanged", "rejected"])
    return 0


def imports_show(args) -> int:
    with rpc() as proxy:
        batch = proxy.ingestion.imports_show(args.id)
    if batch is None:
        raise SystemExit(f"crm: no import {args.id}")
    emit([batch], args.json)
    return 0


def add_parsers(sub) -> None:
    imp = sub.add_parser("import", help="import a list file (CSV UTF-8/GB18030, XLSX, JSON)")
    imp.add_argument("file")
    imp.add_argument("--source", required=True, help="the channel this list came from")
    imp.add_argument("--profile", help=f"column mapping: {sorted(BUILTIN_PROFILES)} or auto")
    imp.add_argument("--imported-by", default=getpass.getuser())
    imp.add_argument("--json", action="store_true", help="print the summary as one JSON line")
    imp.set_defaults(func=run_import)
    imps = sub.add_parser("imports", help="import batches")
    isub = imps.add_subparsers(dest="action", required=True)
    il = isub.add_parser("list")
    il.add_argument("--json", action="store_true")
    il.set_defaults(func=imports_list)
    ish = isub.add_parser("show")
    ish.add_argument("id")
    ish.add_argument("--json", action="store_true")
    ish.set_defaults(func=imports_show)

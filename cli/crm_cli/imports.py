"""`crm import FILE` and `crm imports list|show`: list files in, as tracked batches."""
from __future__ import annotations

import getpass
from pathlib import Path

from . import import_summary as summary
from . import reject_export as export
from .client import rpc
from .listfiles import BUILTIN_PROFILES, adapter_for_filename
from .exits import UsageError
from .listing import add_options, show
from .output import emit
from .parsers import command, group
from .progress import bar, wanted
from .single import show_one

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
    chunks, duplicates = _chunks(rows, args.source)
    with rpc(timeout=600) as proxy, bar("checking" if args.dry_run else "importing",
                                        len(rows), show) as sending:
        if args.dry_run:
            batch_id, totals = None, _check(proxy, chunks, sending)
        else:
            batch_id = proxy.ingestion.start_import(args.source, args.imported_by, path.name)
            totals = _send(proxy, batch_id, chunks, sending, export.answered_rejects(path.name, data))
    unmapped = [h for h in getattr(adapter, "unmapped_headers", None) or []
                if h not in export.REASON_COLUMNS]  # an export's own columns, read above
    used = getattr(adapter, "profile_used", None)
    encoding = getattr(adapter, "encoding", None)
    if args.json:
        print(summary.as_json(batch_id, totals, duplicates, used.name if used else profile,
                              unmapped, encoding))
        return 0
    head = f"dry run of {path.name}" if args.dry_run else f"import {batch_id}"
    print(summary.line(head, totals, duplicates, unmapped, encoding, args.dry_run))
    return 0


def _chunks(rows: list, source: str) -> tuple[list[list], int]:
    """Rows with the source set, in chunks of CHUNK (at least one, maybe empty, so a
    batch is always finished), and how many repeat an earlier row's external_id."""
    seen: set[str] = set()
    duplicates = 0
    chunks = []
    for start in range(0, max(len(rows), 1), CHUNK):
        chunk = []
        for number, record in rows[start:start + CHUNK]:
            if isinstance(record, dict):
                record = {**record, "source": source}
                key = record.get("external_id")
                if key not in (None, ""):  # a row without an id duplicates nothing
                    duplicates += str(key) in seen
                    seen.add(str(key))
            chunk.append((number, record))
        chunks.append(chunk)
    return chunks, duplicates


def _send(proxy, batch_id: str, chunks: list[list], sending, answers: dict[str, str]) -> dict:
    """The import, chunk by chunk; each chunk names the rejects its rows answer (a fixed
    `crm rejects export` file carries them in its reject_id column)."""
    totals = summary.empty()
    for i, chunk in enumerate(chunks):
        named = {str(n): answers[str(n)] for n, _ in chunk if str(n) in answers}
        summary.add(totals, proxy.ingestion.import_rows(batch_id, chunk, i == len(chunks) - 1,
                                                        named))
        sending.advance(len(chunk), note=f"{totals['rejected']} rejected")
    return totals


def _check(proxy, chunks: list[list], sending) -> dict:
    """The dry run: each chunk judged by ingestion without keeping or sending anything,
    the state the earlier chunks left carried to the next."""
    totals, carry = {**summary.empty(), "flagged": 0}, None
    for chunk in chunks:
        answer = proxy.ingestion.import_check(chunk, carry)
        carry = answer["carry"]
        counts = summary.count_results(answer["results"])
        summary.add(totals, counts)
        totals["flagged"] += counts["flagged"]
        sending.advance(len(chunk), note=f"{totals['rejected']} would be rejected")
    return totals


def imports_list(args) -> int:
    with rpc() as proxy:
        rows = proxy.ingestion.imports_list()
    show(rows, args, ["id", "source", "filename", "imported_by", "started_at", "status",
                      "received", "accepted", "unchanged", "rejected"],
         cap=SERVICE_BATCHES, what="batches")
    return 0


def imports_show(args) -> int:
    return show_one(args, lambda proxy: proxy.ingestion.imports_show(args.id),
                    lambda batch: emit([batch], False), missing=f"no import {args.id}")


def add_parsers(sub) -> None:
    imp = command(sub, "import", "import a list file (CSV UTF-8/GB18030, XLSX, JSON)",
                  "crm import customers.xlsx --source branch_cn --profile branch_cn",
                  "crm import list.csv --source campaign_2026 --json",
                  "crm import list.csv --source campaign_2026 --dry-run")
    imp.add_argument("file", help="the list: .csv/.tsv, .xlsx, .json or .jsonl")
    imp.add_argument("--source", required=True, help="the channel this list came from")
    imp.add_argument("--profile", help=f"column mapping: {sorted(BUILTIN_PROFILES)} or auto "
                                       "(default auto)")
    imp.add_argument("--imported-by", default=getpass.getuser(),
                     help="who imports (default: the login name)")
    imp.add_argument("--dry-run", action="store_true",
                     help="parse and validate only: print what would be accepted, rejected "
                          "(by reason) and flagged; no batch, record, reject or event")
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

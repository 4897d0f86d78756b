"""`crm rejects export --batch ID --format xlsx|csv FILE`: a batch's rejects handed back.

The list owner gets the rows as they were imported (one column per intake field,
named by its path, so `crm import` reads the fixed file back with the standard
profile) and, per row, why it was rejected. Fixing the cells and importing the
file again clears those rejects (ingestion closes an open reject when a row with
its (source, external_id) is accepted, or whose `reject_id` the row carries: a row
rejected for having no external_id is answered that way). Personal data is in the file
only for a role allowed to see it: a viewer gets it masked by ingestion.
"""
from __future__ import annotations

import csv
import io
from typing import Any

from .listfiles import adapter_for_filename
from .listfiles.profiles import FieldProfile

REASON_COLUMNS = ["reject_reason", "reject_errors", "file_row", "reject_id"]
_REJECT_IDS = FieldProfile("reject_ids", {"reject_id": "reject_id"})
LIST_SEPARATOR = ";"  # phones/emails in one cell: the readers split on it


def flat(record: Any, prefix: str = "") -> dict[str, Any]:
    """{'address': {'city': 'x'}, 'phones': ['a', 'b']} -> {'address.city': 'x', 'phones': 'a;b'}."""
    if not isinstance(record, dict):
        return {}
    cells: dict[str, Any] = {}
    for key, value in record.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            cells.update(flat(value, path))
        elif isinstance(value, list):
            cells[path] = LIST_SEPARATOR.join("" if v is None else str(v) for v in value)
        else:
            cells[path] = value
    return cells


def sheet(rejects: list[dict]) -> tuple[list[str], list[list[Any]]]:
    """(header, rows): the field columns in order of first appearance, then the reasons."""
    flattened = [flat(r.get("record")) for r in rejects]
    header: list[str] = []
    for cells in flattened:
        header += [c for c in cells if c not in header]
    rows = []
    for reject, cells in zip(rejects, flattened):
        unreadable = reject.get("record") if isinstance(reject.get("record"), str) else None
        errors = "; ".join(reject.get("errors") or []) or (unreadable or "")
        rows.append([cells.get(c) for c in header]
                    + [reject.get("reason"), errors, reject.get("row"), reject.get("id")])
    return header + REASON_COLUMNS, rows


def to_csv(header: list[str], rows: list[list[Any]]) -> bytes:
    """UTF-8 with a BOM: Excel opens it with the Chinese intact, `crm import` reads it."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(header: list[str], rows: list[list[Any]]) -> bytes:
    """One sheet; every cell text, so IDs and phone numbers keep their digits."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "rejects"
    ws.append(header)
    for row in rows:
        ws.append(["" if v is None else str(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def answered_rejects(filename: str, data: bytes) -> dict[str, str]:
    """row number (as text) -> reject id, from the reject_id column of a fixed export
    (empty for any other list): read with a profile that maps only that column."""
    answers = {}
    for number, row in adapter_for_filename(filename).parse(data, _REJECT_IDS):
        reject_id = row.get("reject_id") if isinstance(row, dict) else None
        if reject_id not in (None, ""):
            answers[str(number)] = str(reject_id).strip()
    return answers

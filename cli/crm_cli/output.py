"""Printing for people (aligned columns) or for programs (JSON lines)."""
from __future__ import annotations

import json
import sys


_LINE_BREAKS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\u0085": "\\u0085"}


def json_line(row: dict) -> str:
    """One JSON line that stays one line for any reader (str.splitlines() also breaks
    at U+2028, U+2029 and U+0085, which JSON leaves unescaped)."""
    text = json.dumps(row, ensure_ascii=False, default=str)
    for char, escaped in _LINE_BREAKS.items():
        text = text.replace(char, escaped)
    return text + "\n"


def emit(rows: list[dict], as_json: bool, columns: list[str] | None = None) -> None:
    if as_json:
        for row in rows:
            sys.stdout.write(json_line(row))
        return
    if not rows:
        print("(none)")
        return
    columns = columns or list(rows[0])
    widths = {c: min(max(len(c), *(len(_cell(r.get(c))) for r in rows)), 60) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    for row in rows:
        print("  ".join(_cell(row.get(c))[:60].ljust(widths[c]) for c in columns))


def _cell(value) -> str:
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return "" if value is None else str(value)


def paged(call, page: int = 5000):
    """Iterate an RPC listing page by page (skip/limit) so huge pools stream."""
    skip = 0
    while True:
        rows = call(skip=skip, limit=page)
        yield from rows
        if len(rows) < page:
            return
        skip += page

"""Printing for people (tables drawn by rich, columns measured in display cells, so
Chinese names line up) or for programs (JSON lines). Nothing is cut: in a terminal a
long cell wraps inside its column; piped to a file, a line is as wide as its table."""
from __future__ import annotations

import json
import sys
from typing import IO

from rich import box
from rich.console import Console
from rich.table import Table

_LINE_BREAKS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\u0085": "\\u0085"}


def json_line(row: dict) -> str:
    """One JSON line that stays one line for any reader (str.splitlines() also breaks
    at U+2028, U+2029 and U+0085, which JSON leaves unescaped)."""
    text = plain_json_line(row)
    for char, escaped in _LINE_BREAKS.items():
        text = text.replace(char, escaped)
    return text


def plain_json_line(value) -> str:
    """One JSON line as `groups show`, `campaigns show|create`, `calls audit`, `tiers
    stats` and `explain` have always printed it: U+2028, U+2029 and U+0085 are left
    raw (json_line escapes them), so their output stays as it was."""
    return json.dumps(value, ensure_ascii=False, default=str) + "\n"


def emit(rows: list[dict], as_json: bool, columns: list[str] | None = None) -> None:
    """Rows as JSON lines, or as a table on stdout."""
    if as_json:
        for row in rows:
            sys.stdout.write(json_line(row))
        return
    if not rows:
        print("(none)")
        return
    print_table(table(rows, columns or list(rows[0])))


def table(rows: list[dict], columns: list[str]) -> Table:
    """A plain table (header line, no frame): each cell is its value as text, a list or
    mapping as JSON; no markup is read from the data."""
    drawn = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, highlight=False)
    for name in columns:
        drawn.add_column(name, overflow="fold", no_wrap=False)
    for row in rows:
        drawn.add_row(*(_cell(row.get(name)) for name in columns))
    return drawn


def print_table(drawn: Table, file: IO[str] | None = None) -> None:
    """In a terminal: as wide as the terminal at most (long cells wrap in their column).
    Otherwise: as wide as the table needs, so a file or a pipe gets one line per row."""
    out = file or sys.stdout
    console = _console(out, None)
    if console.is_terminal:
        console.print(drawn)
        return
    out.write(render(drawn))


def render(drawn: Table, width: int | None = None) -> str:
    """The table as plain text (no colour), lines without trailing blanks; `width`
    None: the table's natural width (nothing wraps)."""
    if width is None:
        width = _console(None, 1_000_000).measure(drawn).maximum
    console = _console(None, max(width, 1))
    with console.capture() as captured:
        console.print(drawn, crop=False)
    return "".join(line.rstrip() + "\n" for line in captured.get().splitlines())


def _console(file, width: int | None) -> Console:
    plain = {} if width is None else {"width": width, "color_system": None,
                                      "force_terminal": False}
    return Console(file=file, highlight=False, markup=False, emoji=False, **plain)


_CONTROLS = {c: f"\\x{c:02x}" for c in [*range(0x00, 0x09), *range(0x0b, 0x20), 0x7f]}


def _cell(value) -> str:
    """A value as table text; control characters (an ESC could restyle the operator's
    terminal) are shown escaped, a line break stays a line break inside the cell."""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return "" if value is None else str(value).translate(_CONTROLS)


def paged(call, page: int = 5000):
    """Iterate an RPC listing page by page (skip/limit) so huge pools stream."""
    skip = 0
    while True:
        rows = call(skip=skip, limit=page)
        yield from rows
        if len(rows) < page:
            return
        skip += page

"""crm's tables (crm_cli.output): columns line up by display width, so Chinese names
(two cells per character) do not push the next column; nothing is cut."""
from __future__ import annotations

import io
import unicodedata

from rich.cells import cell_len

from crm_cli.output import emit, render, table


def display_width(text: str) -> int:
    """Terminal cells, from the Unicode data itself (not from rich): East Asian wide
    and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


ROWS = [{"id": "BJ01-001", "name": "王小明", "branch": "北京分行", "load": 12},
        {"id": "SH02-017", "name": "欧阳娜娜", "branch": "SH02", "load": 7},
        {"id": "GZ-9", "name": "Li Wei", "branch": "广州天河支行", "load": 300},
        {"id": "SZ-3", "name": "张三", "branch": "Ｓｚ０３", "load": 0}]  # full-width latin
COLUMNS = ["id", "name", "branch", "load"]


def starts(line: str, values: list[str]) -> list[int]:
    """The display column where each value begins in the line."""
    out, at = [], 0
    for value in values:
        index = line.index(value, at)
        out.append(display_width(line[:index]))
        at = index + len(value)
    return out


def test_chinese_columns_line_up_by_display_width():
    lines = render(table(ROWS, COLUMNS)).splitlines()
    header, body = lines[0], [line for line in lines[2:] if line.strip()]
    assert len(body) == len(ROWS)
    expected = starts(header, COLUMNS)
    for row, line in zip(ROWS, body):
        assert starts(line, [str(row[c]) for c in COLUMNS]) == expected, (line, expected)
    # the widest name decides where 'branch' begins: 欧阳娜娜 is 8 cells, not 4 characters
    assert expected[2] - expected[1] >= display_width("欧阳娜娜") + 1
    # rich measures as the Unicode data does
    assert all(cell_len(line.rstrip()) == display_width(line.rstrip()) for line in lines)


def test_a_long_cell_is_printed_whole_when_not_in_a_terminal(capsys):
    note = "地址：" + "上海市浦东新区世纪大道100号" * 6 + " end"
    emit([{"id": "C-1", "note": note}], False, ["id", "note"])
    out = capsys.readouterr().out
    assert note in out and len(note) > 60
    assert len(out.splitlines()) == 3  # header, rule, one row: no wrapping


def test_a_narrow_table_wraps_inside_its_column_and_keeps_every_character():
    name = "王" * 30
    text = render(table([{"id": "C-1", "name": name}], ["id", "name"]), width=30)
    assert text.count("王") == 30
    assert max(display_width(line) for line in text.splitlines()) <= 30


def test_control_characters_in_data_are_shown_not_sent_to_the_terminal():
    text = render(table([{"id": "C-1", "name": "x\x1b[31mred\x07"}], ["id", "name"]))
    assert "\x1b" not in text and "\x07" not in text
    assert "\\x1b[31mred\\x07" in text


def test_json_lines_are_unchanged_by_the_tables(capsys):
    emit(ROWS[:2], True, COLUMNS)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith('{"id": "BJ01-001", "name": "王小明"') and len(lines) == 2


def test_an_empty_listing_says_so(capsys):
    emit([], False, COLUMNS)
    assert capsys.readouterr().out == "(none)\n"


def test_the_table_drawn_to_a_terminal_stays_within_its_width():
    buffer = io.StringIO()
    from rich.console import Console
    Console(file=buffer, width=40, force_terminal=True, color_system=None).print(
        table([{"id": "C-1", "name": "王" * 50}], ["id", "name"]))
    assert buffer.getvalue().count("王") == 50
    assert max(cell_len(line) for line in buffer.getvalue().splitlines()) <= 40

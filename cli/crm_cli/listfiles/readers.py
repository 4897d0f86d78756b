"""List readers: file bytes -> intake records (CSV/TSV, XLSX, JSON, JSON lines).

A row that cannot be read is yielded as an error message, never dropped silently,
so the list owner can correct and resubmit it. Readers only read the bytes they
are given: no file system, no network.

After ``parse`` has started, ``adapter.profile_used`` and
``adapter.unmapped_headers`` describe the header mapping: use one adapter
instance per file (``adapter_for_filename`` returns a fresh one).
"""
from __future__ import annotations

import csv
import io
import json
from typing import Any, Iterator

from .profiles import FieldProfile, Row, filled, cell_value, choose_profile, set_path


class _TabularAdapter:
    """Header row + data rows -> records; subclasses provide ``rows(data)``."""

    name = ""

    def __init__(self) -> None:
        self.profile_used: FieldProfile | None = None
        self.unmapped_headers: list[str] = []
        self.encoding: str | None = None  # a text format's, once read

    def parse(self, data: bytes, profile: "FieldProfile | str | None" = None) -> Iterator[Row]:
        """Yield (row_number, record) or (row_number, error) for every non-empty row."""
        header: list[Any] | None = None
        for number, cells in self.rows(data):
            if isinstance(cells, str):
                yield number, cells
            elif not any(filled(c) for c in cells):
                continue
            elif header is None:
                header = list(cells)
                self._bind(header, profile)
            else:
                yield number, self._record(header, cells)

    def rows(self, data: bytes) -> Iterator[tuple[int, "list[Any] | str"]]:  # pragma: no cover
        raise NotImplementedError

    def _bind(self, header: list[Any], profile: "FieldProfile | str | None") -> None:
        self.profile_used = choose_profile(header, profile)
        self.unmapped_headers = [str(h) for h in header if filled(h) and not self.profile_used.path_for(h)]

    def _record(self, header: list[Any], cells: list[Any]) -> "dict | str":
        extra = [c for c in cells[len(header):] if filled(c)]
        if extra:
            return f"row has {len(header) + len(extra)} or more cells but the header has {len(header)}"
        record: dict = {}
        for head, raw in zip(header, cells):
            path = self.profile_used.path_for(head) if filled(head) else None
            value = cell_value(raw, path) if path else None
            if value is None:
                continue
            mapped = self.profile_used.values.get(path, {})
            set_path(record, path, mapped.get(value, value) if isinstance(value, str) else value)
        return record


# The encodings branch and head-office exports come in; detection is limited to them
# so a short GB18030 file is not read as some Cyrillic code page.
ENCODINGS = ("utf_8", "utf_16", "utf_16_le", "utf_16_be", "gb18030", "big5")
_SHOWN = {"utf_8": "UTF-8", "utf_16": "UTF-16", "utf_16_le": "UTF-16LE", "utf_16_be": "UTF-16BE",
          "gb18030": "GB18030", "big5": "Big5"}


def detect_text(data: bytes) -> tuple[str, str]:
    """(text, encoding name): UTF-8 (with or without BOM) when it decodes, else what
    charset-normalizer finds among ENCODINGS (UTF-16 with or without BOM, GB18030,
    Big5), else its best guess among all encodings. Undecodable bytes left by the last
    resort become U+FFFD, and the name says so."""
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # only a non-UTF-8 file needs it

    best = from_bytes(data, cp_isolation=list(ENCODINGS)).best() or from_bytes(data).best()
    if best is None:
        return data.decode("gb18030", errors="replace"), "GB18030 (undecodable bytes replaced)"
    return str(best), _SHOWN.get(best.encoding, best.encoding)


def decode_text(data: bytes) -> str:
    """The file's text, in the encoding `detect_text` finds."""
    return detect_text(data)[0]


def sniff_delimiter(text: str) -> str:
    """The most frequent of , ; tab in the first non-empty line (the header)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return max((",", ";", "\t"), key=first.count)


class CsvAdapter(_TabularAdapter):
    """CSV/TSV with encoding detection (`detect_text`) and delimiter sniffing."""

    name = "csv"

    def rows(self, data: bytes) -> Iterator[tuple[int, "list[Any] | str"]]:
        text, self.encoding = detect_text(data)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
        number = 0
        try:
            for number, cells in enumerate(reader, start=1):
                yield number, cells
        except csv.Error as err:
            yield number + 1, f"unreadable CSV from here on: {err}"


class XlsxAdapter(_TabularAdapter):
    """First sheet of an .xlsx workbook; the first non-empty row is the header."""

    name = "xlsx"

    def rows(self, data: bytes) -> Iterator[tuple[int, "list[Any] | str"]]:
        from openpyxl import load_workbook  # imported lazily: only this adapter needs it

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as err:  # openpyxl raises many types for a corrupt file
            yield 0, f"cannot read workbook: {type(err).__name__}"
            return
        number = 0
        try:  # read_only streams the sheet: corruption can surface on any row
            sheet = book.worksheets[0]
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, list(cells)
        except Exception as err:  # the rows read so far stand; the rest is one row error
            yield number + 1, f"cannot read workbook past row {number}: {type(err).__name__}"
        finally:
            book.close()


class JsonLinesAdapter:
    """One JSON object per line; a bad line is reported and the rest still read."""

    name = "jsonl"

    def __init__(self) -> None:
        self.profile_used: FieldProfile | None = None
        self.unmapped_headers: list[str] = []
        self.encoding: str | None = None

    def parse(self, data: bytes, profile: "FieldProfile | str | None" = None) -> Iterator[Row]:
        text, self.encoding = detect_text(data)
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as err:
                yield number, f"invalid JSON: {err.msg} (column {err.colno})"
                continue
            except RecursionError:
                yield number, "invalid JSON: nested too deeply"
                continue
            yield number, self._record(item, profile)

    def _record(self, item: Any, profile: "FieldProfile | str | None") -> "dict | str":
        """Objects pass through as the upstream contract, or via an explicit profile."""
        if not isinstance(item, dict):
            return f"expected a JSON object, got {type(item).__name__}"
        if profile is None:
            return item
        chosen = choose_profile(list(item), profile)
        record: dict = {}
        for key, raw in item.items():
            path = chosen.path_for(key)
            if path is None:
                if key not in self.unmapped_headers:
                    self.unmapped_headers.append(key)
                continue
            value = cell_value(raw, path)
            if value is not None:
                set_path(record, path, chosen.values.get(path, {}).get(value, value) if isinstance(value, str) else value)
        self.profile_used = chosen
        return record


class JsonAdapter(JsonLinesAdapter):
    """A JSON array of objects, or JSON lines when the file is not an array."""

    name = "json"

    def parse(self, data: bytes, profile: "FieldProfile | str | None" = None) -> Iterator[Row]:
        text, self.encoding = detect_text(data)
        try:
            parsed = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as err:
            if text.lstrip().startswith("["):
                detail = (f"{err.msg} (line {err.lineno})" if isinstance(err, json.JSONDecodeError)
                          else "nested too deeply")
                yield 0, f"invalid JSON array: {detail}"
            else:
                yield from super().parse(data, profile)
            return
        items = parsed if isinstance(parsed, list) else [parsed]
        for number, item in enumerate(items, start=1):
            yield number, self._record(item, profile)


ADAPTER_CLASSES: dict[str, type] = {cls.name: cls for cls in (CsvAdapter, XlsxAdapter, JsonAdapter, JsonLinesAdapter)}
_EXTENSIONS = {"csv": "csv", "tsv": "csv", "txt": "csv", "xlsx": "xlsx", "xlsm": "xlsx",
               "json": "json", "jsonl": "jsonl", "ndjson": "jsonl"}


def adapter_for_filename(name: str) -> "CsvAdapter | XlsxAdapter | JsonAdapter | JsonLinesAdapter":
    """A fresh adapter chosen by file extension; ValueError for unsupported files (.xls)."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in _EXTENSIONS:
        raise ValueError(f"unsupported file type {extension!r}: use csv, xlsx, json or jsonl")
    return ADAPTER_CLASSES[_EXTENSIONS[extension]]()

"""Intake adapters (entry-point group ``crm.intake_adapters``): file bytes -> intake records.

Lists are mostly spreadsheets with branch-specific Chinese headers (domain §1),
so columns are mapped to record fields through a :class:`FieldProfile`. A row
that cannot be read is yielded as an error message, never dropped silently, so
the list owner can correct and resubmit it. Adapters only read the bytes they
are given: no file system, no network.

After ``parse`` has started, ``adapter.profile_used`` and
``adapter.unmapped_headers`` describe the header mapping: use one adapter
instance per file (``adapter_for_filename`` returns a fresh one).
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Iterable, Iterator

from ingestion.domain.text import clean_text, id_to_str

Row = tuple[int, "dict | str"]
LIST_FIELDS = frozenset({"phones", "emails"})
# Cells that are identifiers: spreadsheets turn them into numbers (13812345678.0).
ID_FIELDS = frozenset({"external_id", "national_id", "phones", "address.postcode", "registered_by", "branch"})


def header_key(header: Any) -> str:
    """Comparable header: half-width, lower-case, no spaces, no required-marker '*'."""
    return "".join(clean_text(str(header)).lower().split()).strip("*:：")


@dataclass
class FieldProfile:
    """Header -> dotted field path, plus optional per-field value translations."""

    name: str
    columns: dict[str, str]
    values: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.columns = {header_key(h): path for h, path in self.columns.items()}

    def path_for(self, header: Any) -> str | None:
        return self.columns.get(header_key(header))

    def score(self, headers: Iterable[Any]) -> int:
        """How many headers this profile recognises (used by the ``auto`` choice)."""
        return sum(1 for h in headers if h is not None and self.path_for(h))


_TOP = ["source", "external_id", "registered_by", "registered_at", "kind", "name", "given_name",
        "family_name", "birth_date", "gender", "national_id", "national_id_type", "branch"]
_NESTED = {
    "address": ["line1", "line2", "city", "district", "province", "postcode", "country"],
    "financials": ["avg_daily_assets", "has_relationship", "card_spend_12m", "loan_balance",
                   "custody_margin", "card_level", "as_of"],
    "intent": ["willingness", "potential"],
    "consent": ["marketing"],
}


def _standard_columns() -> dict[str, str]:
    columns = {f: f for f in _TOP}
    columns.update({"phones": "phones", "phone": "phones", "mobile": "phones",
                    "emails": "emails", "email": "emails"})
    for parent, leaves in _NESTED.items():
        for leaf in leaves:
            columns[f"{parent}.{leaf}"] = f"{parent}.{leaf}"
            columns.setdefault(leaf, f"{parent}.{leaf}")
    return columns


def _cn_columns() -> dict[str, str]:
    groups = {
        "external_id": "客户编号 编号", "name": "姓名 客户姓名", "national_id": "身份证号 证件号码",
        "national_id_type": "证件类型", "phones": "手机号 手机 电话 联系电话", "emails": "邮箱 电子邮箱",
        "gender": "性别", "birth_date": "出生日期", "address.line1": "地址 联系地址",
        "address.city": "城市", "address.district": "区县", "address.province": "省份",
        "address.postcode": "邮编", "branch": "网点 所属网点", "registered_by": "登记人 营销人员",
        "registered_at": "登记时间 登记日期", "financials.avg_daily_assets": "日均金融资产 年日均金融资产",
        "financials.has_relationship": "是否有业务 有业务往来", "financials.card_spend_12m": "信用卡年消费",
        "financials.loan_balance": "贷款余额", "financials.custody_margin": "三方存管保证金",
        "financials.card_level": "卡等级", "financials.as_of": "资产日期",
        "intent.willingness": "意向 意愿", "intent.potential": "潜力", "consent.marketing": "营销同意",
    }
    return {header: path for path, headers in groups.items() for header in headers.split()}


BUILTIN_PROFILES: dict[str, FieldProfile] = {
    "standard": FieldProfile("standard", _standard_columns()),
    "branch_cn": FieldProfile("branch_cn", _cn_columns(), values={
        "gender": {"男": "male", "女": "female"},
        "national_id_type": {"身份证": "cn_resident", "居民身份证": "cn_resident", "护照": "passport", "其他": "other"},
        "consent.marketing": {"是": True, "否": False, "同意": True, "不同意": False},
    }),
}


def choose_profile(headers: list[Any], profile: "FieldProfile | str | None") -> FieldProfile:
    """An explicit profile (object or built-in name), or ``auto``: the best-matching one."""
    if isinstance(profile, FieldProfile):
        return profile
    if profile not in (None, "auto"):
        return BUILTIN_PROFILES[profile]
    return max(BUILTIN_PROFILES.values(), key=lambda p: p.score(headers))


def cell_value(value: Any, path: str) -> Any:
    """Empty -> None; identifiers -> digit strings; dates -> ISO; text trimmed."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool) and path in ID_FIELDS:
        return id_to_str(value)
    return value.strip() if isinstance(value, str) else value


def set_path(record: dict, path: str, value: Any) -> None:
    """Set a dotted path; list fields (phones, emails) append instead."""
    *parents, leaf = path.split(".")
    target = record
    for part in parents:
        target = target.setdefault(part, {})
    if path in LIST_FIELDS:
        target.setdefault(leaf, []).append(value)
    else:
        target[leaf] = value


class _TabularAdapter:
    """Header row + data rows -> records; subclasses provide ``rows(data)``."""

    name = ""

    def __init__(self) -> None:
        self.profile_used: FieldProfile | None = None
        self.unmapped_headers: list[str] = []

    def parse(self, data: bytes, profile: "FieldProfile | str | None" = None) -> Iterator[Row]:
        """Yield (row_number, record) or (row_number, error) for every non-empty row."""
        header: list[Any] | None = None
        for number, cells in self.rows(data):
            if isinstance(cells, str):
                yield number, cells
            elif not any(_filled(c) for c in cells):
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
        self.unmapped_headers = [str(h) for h in header if _filled(h) and not self.profile_used.path_for(h)]

    def _record(self, header: list[Any], cells: list[Any]) -> "dict | str":
        extra = [c for c in cells[len(header):] if _filled(c)]
        if extra:
            return f"row has {len(header) + len(extra)} or more cells but the header has {len(header)}"
        record: dict = {}
        for head, raw in zip(header, cells):
            path = self.profile_used.path_for(head) if _filled(head) else None
            value = cell_value(raw, path) if path else None
            if value is None:
                continue
            mapped = self.profile_used.values.get(path, {})
            set_path(record, path, mapped.get(value, value) if isinstance(value, str) else value)
        return record


def _filled(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030: the encodings branch exports use."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def sniff_delimiter(text: str) -> str:
    """The most frequent of , ; tab in the first non-empty line (the header)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return max((",", ";", "\t"), key=first.count)


class CsvAdapter(_TabularAdapter):
    """CSV/TSV with encoding detection and delimiter sniffing."""

    name = "csv"

    def rows(self, data: bytes) -> Iterator[tuple[int, "list[Any] | str"]]:
        text = decode_text(data)
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

    def parse(self, data: bytes, profile: "FieldProfile | str | None" = None) -> Iterator[Row]:
        for number, line in enumerate(decode_text(data).splitlines(), start=1):
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
        text = decode_text(data)
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

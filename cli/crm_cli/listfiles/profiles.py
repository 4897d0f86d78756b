"""Column profiles and cell values: how a list's headers and cells become intake fields.

Lists are mostly spreadsheets with branch-specific Chinese headers (domain §1),
so columns are mapped to record fields through a :class:`FieldProfile`. Pure: no
file system, no network.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Iterable

from contracts.values import id_to_str

_SPACES = re.compile(r"\s+")


def clean_text(s: str) -> str:
    """NFKC (full-width digits, letters and spaces to ASCII) and collapsed whitespace:
    headers typed on Chinese input methods compare equal to their ASCII spelling."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", s)).strip()


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
    # group customers (issue 19): organisation data and credit as columns too
    "organization": ["uscc", "legal_representative", "industry"],
    "credit": ["limit", "outstanding", "as_of"],
}
# whole values passed through as the upstream contract has them (JSON lists and objects):
# a record's relations are a list of objects, which no column can spell
_WHOLE = ["relations", "organization", "credit"]


def _standard_columns() -> dict[str, str]:
    columns = {f: f for f in _TOP}
    columns.update({"phones": "phones", "phone": "phones", "mobile": "phones",
                    "emails": "emails", "email": "emails"})
    for parent, leaves in _NESTED.items():
        for leaf in leaves:
            columns[f"{parent}.{leaf}"] = f"{parent}.{leaf}"
            columns.setdefault(leaf, f"{parent}.{leaf}")
    columns.update({name: name for name in _WHOLE})
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


def filled(value: Any) -> bool:
    """A cell holding something (not None, not blank text)."""
    return value is not None and not (isinstance(value, str) and not value.strip())

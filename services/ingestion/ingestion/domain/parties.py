"""Organisations, relations and credit of an intake record (issue 19), pure.

`normalize_parties` cleans what upstream sent: the USCC is checked with python-stdnum
(`stdnum.cn.uscc`: length, alphabet, GB 32100 check character) and, like a resident id,
a wrong one is kept aside (`organization.uscc_raw`) with a quality issue instead of
rejecting the record; shares become fractions, amounts two-place decimal strings.

`party_fields` is what customer.ingested carries of it: each relation target reduced
to one party key (contracts.parties), a national id only as its keyed blind index, the
legal representative masked, and the keys this record itself can be named by.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError as StdnumError

from contracts import values

from .masking import mask_name
from .text import clean_text, id_to_str, parse_date

Issue = dict[str, Any]
BlindIndex = Callable[[str, "str | None"], "str | None"]


def valid_uscc(raw: Any) -> str | None:
    """The compact, upper-case USCC when its check character is right, else None."""
    if raw in (None, ""):
        return None
    try:
        return stdnum_uscc.validate(clean_text(id_to_str(raw)))
    except StdnumError:
        return None


def clean_national_id(raw: Any) -> str | None:
    """A national id spelled as the national_id normalizer leaves it (no spaces, upper)."""
    text = "".join(clean_text(id_to_str(raw)).split()).upper() if raw not in (None, "") else ""
    return text or None


def parse_share(raw: Any) -> float | None:
    """0.6, "0.6", "60%" -> 0.6; None when it is no share between 0 and 1."""
    if raw is None or raw == "" or isinstance(raw, bool):
        return None
    text = clean_text(str(raw)) if not isinstance(raw, (int, float)) else repr(raw)
    scale = Decimal(100) if text.endswith("%") else Decimal(1)
    try:
        share = Decimal(text.rstrip("%").strip()) / scale
    except InvalidOperation:
        return None
    return float(share) if share.is_finite() and 0 <= share <= 1 else None


def normalize_parties(record: dict) -> tuple[dict, list[Issue]]:
    """Clean organization, relations and credit in a copy of `record`; issues found."""
    out, issues = dict(record), []
    if isinstance(record.get("organization"), dict):
        out["organization"] = _organization(record["organization"], issues)
    if isinstance(record.get("relations"), list):
        out["relations"] = [_relation(r, i, issues) for i, r in enumerate(record["relations"])
                            if isinstance(r, dict)]
    if isinstance(record.get("credit"), dict):
        out["credit"] = _credit(record["credit"], issues)
    return out, issues


def _organization(org: dict, issues: list[Issue]) -> dict:
    out = {k: (clean_text(str(v)) or None) if v not in (None, "") else None
           for k, v in org.items() if k in ("legal_representative", "industry")}
    raw = org.get("uscc")
    if raw not in (None, ""):
        out["uscc"] = valid_uscc(raw)
        if out["uscc"] is None:
            out["uscc_raw"] = id_to_str(raw)
            issues.append({"field": "organization.uscc", "issue": "invalid_uscc",
                           "raw": id_to_str(raw)})
    return out


def _relation(rel: dict, index: int, issues: list[Issue]) -> dict:
    out = {"type": rel.get("type"), "kinship_degree": rel.get("kinship_degree"),
           "share": parse_share(rel.get("share"))}
    if rel.get("share") not in (None, "") and out["share"] is None:
        issues.append({"field": f"relations[{index}].share", "issue": "invalid_share",
                       "raw": str(rel["share"])})
    target = rel.get("target") or {}
    out["target"] = {"source": target.get("source"), "external_id": target.get("external_id"),
                     "uscc": target.get("uscc"),
                     "national_id": clean_national_id(target.get("national_id"))}
    if target.get("uscc") not in (None, "") and not valid_uscc(target["uscc"]):
        issues.append({"field": f"relations[{index}].target.uscc", "issue": "invalid_uscc",
                       "raw": id_to_str(target["uscc"])})
    return out


def _credit(credit: dict, issues: list[Issue]) -> dict:
    out: dict[str, Any] = {}
    for key in ("limit", "outstanding"):
        if credit.get(key) in (None, ""):
            out[key] = None
            continue
        amount, code = values.parse_amount(credit[key])
        if code:
            issues.append({"field": f"credit.{key}", "issue": code, "raw": str(credit[key])})
        out[key] = None if amount is None else values.format_amount(amount)
    out["as_of"], code = parse_date(credit["as_of"], False) if credit.get("as_of") else (None, None)
    if code:
        issues.append({"field": "credit.as_of", "issue": code, "raw": str(credit["as_of"])})
    return out


def target_key(target: dict, blind_index: BlindIndex) -> str | None:
    """The party key of a relation target: record first, then USCC, then national id."""
    if target.get("source") and target.get("external_id"):
        return f"rec:{target['source']}:{target['external_id']}"
    code = valid_uscc(target.get("uscc"))
    if code:
        return f"uscc:{code}"
    bi = blind_index("nid", target.get("national_id"))
    return f"nid:{bi}" if bi else None


def party_keys(record: dict, blind_index: BlindIndex) -> list[str]:
    """The keys relations can name this record by."""
    keys = [f"rec:{record['source']}:{record['external_id']}"]
    code = (record.get("organization") or {}).get("uscc")
    if code:
        keys.append(f"uscc:{code}")
    bi = blind_index("nid", record.get("national_id"))
    if bi:
        keys.append(f"nid:{bi}")
    return keys


def party_fields(record: dict, blind_index: BlindIndex) -> dict:
    """organization / relations / credit / party_keys of customer.ingested."""
    org = record.get("organization")
    relations = []
    for rel in record.get("relations") or []:
        key = target_key(rel.get("target") or {}, blind_index)
        if key:
            relations.append({"type": rel["type"], "kinship_degree": rel.get("kinship_degree"),
                              "share": rel.get("share"), "target_key": key})
    return {
        "organization": None if not org else {
            "uscc": org.get("uscc"), "industry": org.get("industry"),
            "legal_representative": mask_name(org.get("legal_representative"))},
        "relations": relations, "credit": record.get("credit") or None,
        "party_keys": party_keys(record, blind_index)}


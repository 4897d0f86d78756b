"""From one raw intake record to either an accepted, protected record or a reject.

Pure: the normalizers and the protector (keys, crypto) are passed in, no I/O.
A record is rejected only when it lacks what the pipeline needs; everything else
that is wrong is kept raw and flagged as a quality issue.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError

from contracts.schemas import IntakeRecord
from common.pii import Protector

from .masking import mask_email, mask_name, mask_phone
from .parties import party_fields

MAX_RAW_BYTES = 64 * 1024      # raw input kept (encrypted) with a reject
MAX_RECORD_BYTES = 64 * 1024   # one record larger than this is not a customer record
_CONTACT_KEYS = ("phones", "emails")
# One instance for every record: a marshmallow schema is stateless once built, and
# building one deep-copies its fields (measured: an eighth of ingestion's CPU).
_INTAKE_SCHEMA = IntakeRecord()
_KNOWN_FIELDS = frozenset(_INTAKE_SCHEMA.fields)
# Reject reasons, most specific first: the first reason whose marker appears in any
# error message names the reject (operators filter and fix by reason).
_REASONS = (("operator_injection", "reserved key starting with '$'"),
            ("missing_key", "is required and must be a non-empty string"),
            ("wrong_type", "must be a"),
            ("no_name_or_identifier", "neither a name nor an identifier"))


@dataclass
class Accepted:
    record_id: str
    stored: dict          # the document kept at rest (identifiers encrypted)
    event: dict           # the customer.ingested payload (blind indexes, no raw identifiers)
    issues: list = field(default_factory=list)


@dataclass
class Rejected:
    reason: str
    errors: list[str]


def check_shape(raw: Any, validate_required,
                max_bytes: int = MAX_RECORD_BYTES) -> Rejected | None:
    """Why a record is unusable, or None when it can go on."""
    if not isinstance(raw, dict):
        return Rejected("not_an_object",
                        [f"record must be a JSON object, got {_json_type(raw)}"])
    unsafe = _unsafe_structure(raw)
    if unsafe:
        return unsafe
    size = len(_canonical(raw).encode("utf-8"))
    if size > max_bytes:  # checked first: do not spend validation on a flood
        return Rejected("oversized", [f"record is {size} bytes, the limit is {max_bytes}"])
    errors = list(validate_required(raw))
    if errors:
        reason = next((code for code, marker in _REASONS
                       if any(marker in e for e in errors)), "invalid_field")
        return Rejected(reason, errors)
    try:
        _INTAKE_SCHEMA.load(raw)
    except ValidationError as exc:
        return Rejected("invalid_field", [
            f"{path}: {'; '.join(map(str, msgs)) if isinstance(msgs, list) else msgs}"
            for path, msgs in sorted(exc.messages.items())])
    return None


MAX_DEPTH = 32


def _unsafe_structure(raw: Any) -> Rejected | None:
    """Nesting too deep to be a customer record, or text that is not valid Unicode.

    Checked with an explicit stack before anything recursive or any encoding runs,
    so hostile input is a reject, never a crash.
    """
    stack = [(raw, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            return Rejected("too_deep", [f"{path or 'record'}: nested deeper than {MAX_DEPTH} levels"])
        if isinstance(value, str) and not _encodable(value):
            return Rejected("invalid_text", [f"{path or 'record'}: text contains an unpaired surrogate"])
        if isinstance(value, dict):
            for key, child in value.items():
                if not _encodable(str(key)):
                    return Rejected("invalid_text", [f"{path}: a key contains an unpaired surrogate"])
                stack.append((child, f"{path}.{key}" if path else str(key), depth + 1))
        elif isinstance(value, list):
            stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(value))
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def accept(raw: Any, normalize, validate_required, protector: Protector,
           max_bytes: int = MAX_RECORD_BYTES) -> Accepted | Rejected:
    """Accept or reject one raw record; pure apart from the protector's keys."""
    rejected = check_shape(raw, validate_required, max_bytes)
    if rejected:
        return rejected
    # Only contract fields go on: unknown keys (which could carry anything, even
    # key names MongoDB treats specially) are neither stored nor forwarded.
    record, issues = normalize({k: v for k, v in raw.items() if k in _KNOWN_FIELDS})
    record_id = f"{record['source']}:{record['external_id']}"
    return Accepted(record_id=record_id, stored=_stored(record, issues, protector),
                    event=_event(record, record_id, issues, protector), issues=issues)


def _json_type(value: Any) -> str:
    return {list: "array", str: "string", bool: "boolean", int: "number", float: "number",
            type(None): "null"}.get(type(value), type(value).__name__)


def _stored(record: dict, issues: list, protector: Protector) -> dict:
    """The record at rest: identifiers and contact details encrypted, the rest plain."""
    address = dict(record.get("address") or {})
    secret = {k: record.get(k) for k in ("national_id", "national_id_raw", *_CONTACT_KEYS,
                                           "phones_invalid", "emails_invalid", "relations")}
    secret["address_lines"] = [address.pop("line1", None), address.pop("line2", None)]
    plain = {k: v for k, v in record.items() if k not in secret and k != "address"}
    return {**plain, "address": address, "quality": issues,
            "pii": protector.encrypt(json.dumps(secret, ensure_ascii=False)),
            "content_hash": protector.blind_index("content", _canonical(record))}


def _address_index(protector: Protector, line: str | None) -> str | None:
    return protector.blind_index("addr", line.replace(" ", "").lower()) if line else None


def _event(record: dict, record_id: str, issues: list, protector: Protector) -> dict:
    address = record.get("address") or {}
    phones, emails = record.get("phones") or [], record.get("emails") or []
    line = " ".join(filter(None, [address.get("line1"), address.get("line2")]))
    id_bi = protector.blind_index("nid", record.get("national_id"))
    verified = record.get("national_id_type") == "cn_resident"  # None unless it validated
    return {
        "record_id": record_id, "source": record["source"], "external_id": record["external_id"],
        "kind": record.get("kind") or "person", "name": record.get("name"),
        "birth_date": record.get("birth_date"), "gender": record.get("gender"),
        "national_id_bi": id_bi, "verified_national_id_bi": id_bi if verified else None,
        "phone_bis": [protector.blind_index("phone", p) for p in phones],
        "email_bis": [protector.blind_index("email", e) for e in emails],
        "address_bi": _address_index(protector, line),
        # the street line alone: equal to address_bi without a second line, so a
        # building or unit missing or misspelt on one side still lets the street agree
        "street_bi": _address_index(protector, address.get("line1")),
        "postcode": address.get("postcode"), "city": address.get("city"),
        "district": address.get("district"), "province": address.get("province"),
        "branch": record.get("branch"), "registered_by": record.get("registered_by"),
        "registered_at": record.get("registered_at"),
        "financials": record.get("financials") or {}, "intent": _intent(record.get("intent")),
        "products": [{k: p.get(k) for k in ("code", "as_of", "matures_on", "balance")}
                     for p in record.get("products") or [] if p.get("code")],
        "consent": _consent(record.get("consent")),
        "has_contact": bool(phones or emails or line),
        "display": {"name": mask_name(record.get("name")),
                    "phone": mask_phone(phones[0]) if phones else None,
                    "email": mask_email(emails[0]) if emails else None},
        "quality": [{"field": i.get("field"), "issue": i.get("issue")} for i in issues],
        **party_fields(record, protector.blind_index),
    }


def _intent(intent: dict | None) -> dict:
    intent = intent or {}
    return {k: (None if intent.get(k) is None else str(intent[k]))
            for k in ("willingness", "potential")}


def _consent(consent: dict | None) -> dict:
    consent = consent or {}
    return {k: consent.get(k) for k in ("marketing", "do_not_call")}


def _canonical(record: dict) -> str:
    return json.dumps(record, sort_keys=True, ensure_ascii=False, default=str)


def raw_excerpt(raw: Any) -> str:
    """The raw input as text, capped, for the reject store (encrypted there)."""
    try:
        text = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False, default=str)
        text.encode("utf-8")
    except (UnicodeEncodeError, RecursionError, ValueError):  # hostile input: keep it escaped
        text = _escaped(raw)
    return text[:MAX_RAW_BYTES]


def _escaped(raw: Any) -> str:
    try:
        return json.dumps(raw, ensure_ascii=True, default=str)
    except (RecursionError, ValueError):
        return repr(raw)[:MAX_RAW_BYTES].encode("ascii", "backslashreplace").decode("ascii")

"""Record normalizers (entry-point group ``crm.normalizers``) and intake validation.

Lists arrive from spreadsheets typed by many people (domain §1): full-width
digits, stray spaces, several phone formats. Normalizers make the values
comparable for dedup and tiering without ever dropping a record: a value that
cannot be repaired is kept in ``<field>_raw`` / ``*_invalid`` and reported as a
quality issue whose raw value is masked (domain §7).

Each normalizer has ``name`` and ``apply(record) -> (new_record, issues)``; it
never mutates its input.
"""
from __future__ import annotations

from typing import Any, Iterable, Protocol

from common.clock import today
from contracts import values
from ingestion.domain import contact, masking
from ingestion.domain.cn_id import CnIdError, clean_cn_id, looks_like_cn_id, validate_cn_resident_id
from ingestion.domain import text as parsing
from ingestion.domain.text import clean_text, is_cjk, remove_spaces_between_han
from ingestion.plugins.products import type_products

Issue = dict[str, Any]


class Normalizer(Protocol):
    """What the pipeline expects from a ``crm.normalizers`` plugin."""

    name: str

    def apply(self, record: dict) -> tuple[dict, list[Issue]]: ...


def _with_own_financials(record: dict) -> dict:
    """A copy of the record whose `financials` (the one nested mapping a built-in
    normalizer writes into) is its own: the input stays as it was. Copying only that,
    not the whole record, was a twelfth of ingestion's CPU per record."""
    out = dict(record)
    if isinstance(out.get("financials"), dict):
        out["financials"] = dict(out["financials"])
    return out


def issue(field: str, code: str, raw: Any = None) -> Issue:
    """Build a quality issue; ``raw`` must already be masked."""
    return {"field": field, "issue": code, "raw": raw}


class NamesNormalizer:
    """Trim, fold full-width, collapse spaces, join Han characters; build ``name``."""

    name = "names"

    def apply(self, record: dict) -> tuple[dict, list[Issue]]:
        out = dict(record)  # only top-level values are replaced
        for key in ("name", "given_name", "family_name"):
            if isinstance(out.get(key), str):
                out[key] = remove_spaces_between_han(clean_text(out[key])) or None
        if not out.get("name"):
            built = self._build(out.get("family_name"), out.get("given_name"))
            if built:
                out["name"] = built
        return out, []

    @staticmethod
    def _build(family: Any, given: Any) -> str | None:
        """CJK: family+given with no space; Latin: 'given family'."""
        parts = [p for p in (family, given) if isinstance(p, str) and p]
        if not parts:
            return None
        if any(is_cjk(p) for p in parts):
            return "".join(parts)
        return " ".join(reversed(parts))


class NationalIdNormalizer:
    """Validate CN resident IDs (check digit, embedded date) and derive birth date/gender."""

    name = "national_id"

    def apply(self, record: dict) -> tuple[dict, list[Issue]]:
        out = dict(record)  # only top-level values are replaced
        raw = out.get("national_id")
        if raw is None or raw == "":
            return out, []
        raw = parsing.id_to_str(raw)
        id_type = str(out.get("national_id_type") or "").strip().lower() or None
        if id_type is None and looks_like_cn_id(raw):
            id_type = "cn_resident"
        if id_type:
            out["national_id_type"] = id_type
        if id_type != "cn_resident":
            out["national_id"] = "".join(clean_text(raw).split()).upper() or None
            return out, []
        return self._cn_resident(out, raw)

    @staticmethod
    def _cn_resident(out: dict, raw: str) -> tuple[dict, list[Issue]]:
        try:
            parsed = validate_cn_resident_id(raw, today())
        except CnIdError as err:
            out["national_id_raw"] = raw
            out["national_id"] = None
            return out, [issue("national_id", err.code, masking.mask_national_id(clean_cn_id(raw)))]
        out["national_id"] = parsed.number
        issues: list[Issue] = []
        if not out.get("birth_date"):
            out["birth_date"] = parsed.birth_date
        elif out["birth_date"] != parsed.birth_date:
            issues.append(issue("birth_date", "differs_from_national_id"))
        if not out.get("gender"):
            out["gender"] = parsed.gender
        return out, issues


class _ListNormalizer:
    """Shared flow for list fields: clean each entry, dedupe, move bad ones aside."""

    name = ""
    field = ""

    def apply(self, record: dict) -> tuple[dict, list[Issue]]:
        out = dict(record)  # only top-level values are replaced
        values = out.get(self.field)
        if values is None:
            return out, []
        good: list[str] = []
        bad: list[str] = list(out.get(f"{self.field}_invalid") or [])
        issues: list[Issue] = []
        context = self.context(out)
        for raw in self._entries(values):
            value = self.normalize(raw, context)
            if value is None:
                bad.append(raw)
                issues.append(issue(self.field, self.issue_code, self.mask(raw)))
            elif value not in good:
                good.append(value)
        out[self.field] = good
        if bad:
            out[f"{self.field}_invalid"] = bad
        return out, issues

    @staticmethod
    def _entries(values: Any) -> Iterable[str]:
        items = values if isinstance(values, list) else [values]
        for item in items:
            if item is None or item == "":
                continue
            yield from parsing.split_multi(parsing.id_to_str(item))

    issue_code = "invalid"

    def context(self, record: dict) -> Any:
        """What ``normalize`` needs from the rest of the record (nothing by default)."""
        return None

    def normalize(self, raw: str, context: Any) -> str | None:  # pragma: no cover - overridden
        raise NotImplementedError

    def mask(self, raw: str) -> str:  # pragma: no cover - overridden
        raise NotImplementedError


class PhonesNormalizer(_ListNormalizer):
    """Phones to E.164 by libphonenumber; a national number is read in the region of
    the record's address country (CN when there is none), so '010-6552 9988' is Beijing
    for a Chinese customer. A number it calls invalid stays in ``phones_invalid``."""

    name = "phones"
    field = "phones"
    issue_code = "invalid_phone"

    def context(self, record: dict) -> str:
        address = record.get("address")
        return contact.phone_region(address.get("country") if isinstance(address, dict) else None)

    def normalize(self, raw: str, context: Any) -> str | None:
        return contact.phone_to_e164(raw, context)

    def mask(self, raw: str) -> str:
        return masking.mask_phone("".join(ch for ch in clean_text(raw) if ch.isdigit() or ch == "+"))


class EmailsNormalizer(_ListNormalizer):
    """Trim and lower-case e-mail addresses; syntax checked by email-validator (no DNS)."""

    name = "emails"
    field = "emails"
    issue_code = "invalid_email"

    def normalize(self, raw: str, context: Any) -> str | None:
        return contact.normalize_email(raw)

    def mask(self, raw: str) -> str:
        return masking.mask_email(clean_text(raw))


class DatesNormalizer:
    """birth_date / registered_at / financials.as_of to ISO 8601 strings."""

    name = "dates"
    # (container path, key, keep time of day)
    FIELDS = ((None, "birth_date", False), (None, "registered_at", True), ("financials", "as_of", False))

    def apply(self, record: dict) -> tuple[dict, list[Issue]]:
        out = _with_own_financials(record)
        issues: list[Issue] = []
        for parent, key, keep_time in self.FIELDS:
            target = out.get(parent) if parent else out
            if not isinstance(target, dict) or target.get(key) in (None, ""):
                continue
            raw = target[key]
            value, code = parsing.parse_date(raw, keep_time)
            target[key] = value
            if code:
                target[f"{key}_raw"] = raw
                path = f"{parent}.{key}" if parent else key
                shown = masking.mask_text_generic(str(raw)) if key == "birth_date" else str(raw)
                issues.append(issue(path, code, shown))
        return out, issues


class AddressesNormalizer:
    """Clean address parts, check CN postcodes, default country to CN."""

    name = "addresses"

    def apply(self, record: dict) -> tuple[dict, list[Issue]]:
        out = dict(record)  # only top-level values are replaced
        address = out.get("address")
        if not isinstance(address, dict):
            return out, []
        cleaned = {k: clean_text(parsing.id_to_str(v)) for k, v in address.items() if v not in (None, "")}
        cleaned = {k: v for k, v in cleaned.items() if v}
        if "country" in cleaned:
            cleaned["country"] = parsing.normalize_country(cleaned["country"])
        elif cleaned.get("province"):
            cleaned["country"] = "CN"
        issues: list[Issue] = []
        postcode = cleaned.get("postcode")
        if postcode and cleaned.get("country", "CN") == "CN":
            digits = "".join(ch for ch in postcode if ch.isdigit())
            if len(digits) == 6 and digits == postcode.replace(" ", ""):
                cleaned["postcode"] = digits
            else:
                cleaned["postcode_raw"], cleaned["postcode"] = postcode, None
                issues.append(issue("address.postcode", "invalid_postcode", postcode))
        out["address"] = cleaned
        return out, issues


class FinancialsNormalizer:
    """Amounts to two-place decimal strings (commas, full-width, 万; never a float) and
    has_relationship to a bool, each by its contract parser (contracts.values).

    A missing has_relationship stays missing: what follows from the assets is a
    tiering rule (tiering.plugins.schemes), not something intake records. The products
    held are figures too: their balances and dates are typed here (plugins/products.py)."""

    name = "financials"
    AMOUNTS = ("avg_daily_assets", "card_spend_12m", "loan_balance", "custody_margin")

    def apply(self, record: dict) -> tuple[dict, list[Issue]]:
        out = _with_own_financials(record)
        fin = out.get("financials")
        issues: list[Issue] = []
        if "products" in out:
            as_of = fin.get("as_of") if isinstance(fin, dict) else None
            out["products"], issues = type_products(out["products"], as_of)
        if not isinstance(fin, dict):
            return out, issues
        for key in self.AMOUNTS:
            if fin.get(key) in (None, ""):
                if key in fin:  # a blank cell: not recorded
                    fin[key] = None
                continue
            amount, code = values.parse_amount(fin[key])
            if code:
                issues.append(issue(f"financials.{key}", code, str(fin[key])))
            fin[key] = None if amount is None else values.format_amount(amount)
        if isinstance(fin.get("card_level"), str):
            fin["card_level"] = clean_text(fin["card_level"]).lower() or None
        raw = fin.get("has_relationship")
        if raw == "":
            fin["has_relationship"] = None
        elif raw is not None:
            fin["has_relationship"] = values.parse_flag(raw)
            if fin["has_relationship"] is None:
                issues.append(issue("financials.has_relationship", "invalid_boolean", str(raw)))
        return out, issues


NORMALIZER_CLASSES: dict[str, type] = {
    cls.name: cls
    for cls in (NamesNormalizer, DatesNormalizer, NationalIdNormalizer, PhonesNormalizer,
                EmailsNormalizer, AddressesNormalizer, FinancialsNormalizer)
}
# Dates run before national_id so a birth date typed as 19900307 compares equal
# to the one derived from the ID.
BUILTIN_NORMALIZERS: list[str] = list(NORMALIZER_CLASSES)


def normalize_record(record: dict, normalizers: list) -> tuple[dict, list[Issue]]:
    """Run normalizers (instances or built-in names) in order; collect all issues."""
    issues: list[Issue] = []
    for normalizer in normalizers:
        if isinstance(normalizer, str):
            normalizer = NORMALIZER_CLASSES[normalizer]()
        record, found = normalizer.apply(record)
        issues.extend(found)
    return record, issues



# --- intake validation -------------------------------------------------------
# Rejection is the exception (domain §1: unusable records are kept with a reason):
# only a record we cannot trace (source/external_id) or cannot identify at all.

_STRING_FIELDS = ("name", "given_name", "family_name", "national_id")
_LIST_FIELDS = ("phones", "emails")


def validate_required(record: dict) -> list[str]:
    """Error messages for a raw intake record; an empty list means it is accepted."""
    if not isinstance(record, dict):
        return ["record must be an object"]
    errors = [f"field '{path}' uses a reserved key starting with '$'" for path in _operator_keys(record)]
    for key in ("source", "external_id"):
        if not _nonempty_str(record.get(key)):
            errors.append(f"'{key}' is required and must be a non-empty string")
    errors += _type_errors(record)
    if not (_has_name(record) or _has_identifier(record)):
        errors.append("record has neither a name nor an identifier (national_id, phones, emails)")
    return errors


def _operator_keys(value: Any, path: str = "") -> list[str]:
    """Dotted paths of every '$'-prefixed key (MongoDB operator injection)."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, child in value.items():
            child_path = f"{path}.{key}" if path else str(key)
            if str(key).startswith("$"):
                found.append(child_path)
            found += _operator_keys(child, child_path)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _operator_keys(child, f"{path}[{index}]")
    return found


def _type_errors(record: dict) -> list[str]:
    errors = [f"'{key}' must be a string" for key in _STRING_FIELDS
              if record.get(key) is not None and not isinstance(record[key], str)]
    for key in _LIST_FIELDS:
        value = record.get(key)
        if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            errors.append(f"'{key}' must be a list of strings")
    return errors


def _nonempty_str(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _has_name(record: dict) -> bool:
    return any(_nonempty_str(record.get(key)) for key in ("name", "given_name", "family_name"))


def _has_identifier(record: dict) -> bool:
    if _nonempty_str(record.get("national_id")):
        return True
    return any(_nonempty_str(v) for key in _LIST_FIELDS
               if isinstance(record.get(key), list) for v in record[key])

"""Personal-data protection: encryption at rest, blind indexes, masking.

Keys come from the environment (a secret in production, a generated file under
.local/ in development), never from the repository. Encryption uses a key ring
(MultiFernet): the first key encrypts, every key decrypts, so keys rotate without
downtime. Blind indexes are keyed HMAC-SHA256 so equal identifiers match without
anyone who lacks the key being able to test guesses.

Masking works in two nets. The first is by field name: ``PERSONAL_FIELDS`` is the one
vocabulary of personal-data field names, and ``mask_fields`` masks every such field of
a record (nested dicts and lists too) after removing separators from its value, so an
ID written ``110101-19900307-7715`` is masked like ``110101199003077715``. The second
is by pattern, for free text (``mask_text``): ID numbers (also spaced or hyphenated),
mobiles, landlines with area codes, passport numbers and e-mail addresses, plus any
``"field": value`` pair of a personal field that a JSON or dict text carries.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Iterable

from cryptography.fernet import Fernet, MultiFernet


class Protector:
    """Encrypts, decrypts and blind-indexes personal fields with configured keys."""

    def __init__(self, encryption_keys: str, blind_index_key: str):
        ring = [k.split(":", 1)[-1] for k in encryption_keys.split(",") if k.strip()]
        if not ring or not blind_index_key:
            raise ValueError("CRM_ENCRYPTION_KEYS and CRM_BLIND_INDEX_KEY must be set")
        self.key_ids = [k.split(":", 1)[0] for k in encryption_keys.split(",") if k.strip()]
        self._fernet = MultiFernet([Fernet(k.strip().encode()) for k in ring])
        self._bi_key = blind_index_key.encode()

    @classmethod
    def from_env(cls) -> "Protector":
        return cls(os.environ.get("CRM_ENCRYPTION_KEYS", ""),
                   os.environ.get("CRM_BLIND_INDEX_KEY", ""))

    def encrypt(self, value: str | None) -> str | None:
        return None if value is None else self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str | None) -> str | None:
        return None if token is None else self._fernet.decrypt(token.encode()).decode()

    def rotate(self, token: str) -> str:
        """Re-encrypt a token under the newest key (for background key rotation)."""
        return self._fernet.rotate(token.encode()).decode()

    def blind_index(self, kind: str, value: str | None) -> str | None:
        if not value:
            return None
        msg = f"{kind}:{value}".encode()
        return hmac.new(self._bi_key, msg, hashlib.sha256).hexdigest()[:32]


# --- the vocabulary: personal-data field names, by kind ------------------------------
_NAMES_BY_KIND: dict[str, tuple[str, ...]] = {
    "national_id": ("national_id", "id_number", "id_no", "id_card", "id_card_no", "idcard",
                    "id_card_number", "resident_id", "identity_number", "nid", "passport",
                    "passport_no", "passport_number", "document_number"),
    "phone": ("phone", "phones", "phone_number", "phone_numbers", "mobile", "mobiles",
              "mobile_phone", "cellphone", "landline", "landlines", "tel", "telephone",
              "fax", "contact_phone"),
    "email": ("email", "emails", "e_mail", "email_address", "mail"),
    "name": ("name", "given_name", "family_name", "full_name", "customer_name",
             "contact_name", "holder_name", "account_name"),
    "address": ("address", "addresses", "address_line", "address_lines", "line1", "line2",
                "street", "home_address"),
    "birth_date": ("birth_date", "birthdate", "birthday", "date_of_birth", "dob"),
    "account": ("bank_account", "bank_account_no", "account_number", "account_no",
                "card_number", "card_no", "bank_card", "bank_card_no", "iban"),
}
PERSONAL_FIELDS: dict[str, str] = {name: kind for kind, names in _NAMES_BY_KIND.items()
                                   for name in names}
# A personal field keeps its kind under these suffixes (a value kept aside as typed).
_SUFFIXES = ("_raw", "_invalid", "_masked")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_KEY_NOISE = re.compile(r"[\s\-.]+")
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015_.()\[\]/\\]")


@lru_cache(maxsize=4096)
def field_kind(key: Any) -> str | None:
    """The personal-data kind of a field name ('phone', 'national_id', ...), or None.

    Names are compared in snake case, so ``idNumber``, ``ID-Number`` and ``id_number``
    are one field, and ``phones_invalid`` / ``national_id_raw`` keep their kind."""
    snake = _KEY_NOISE.sub("_", _CAMEL.sub("_", str(key)).strip()).lower()
    if snake in PERSONAL_FIELDS:
        return PERSONAL_FIELDS[snake]
    for suffix in _SUFFIXES:
        if snake.endswith(suffix) and snake[:-len(suffix)] in PERSONAL_FIELDS:
            return PERSONAL_FIELDS[snake[:-len(suffix)]]
    return None


def normalize_identifier(value: Any) -> str:
    """The value as one token: full-width folded, spaces, hyphens, dots, slashes and
    parentheses removed, so every written form of a number masks the same way."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(value))).upper()


# --- masks per kind ------------------------------------------------------------------
def mask_national_id(value: str | None) -> str | None:
    """An 18/15-digit ID keeps its first and last four; a passport (7-14 characters)
    its first character and last two, so no short number shows most of itself."""
    if not value:
        return value
    value = normalize_identifier(value)
    if len(value) >= 15:
        return value[:4] + "*" * (len(value) - 8) + value[-4:]
    return value[:1] + "*" * (len(value) - 3) + value[-2:] if len(value) >= 7 else "****"


def mask_phone(value: str | None) -> str | None:
    """Country code dropped, then three leading and four trailing digits around four
    stars (the width is fixed: no length leak); short numbers keep only the last four."""
    if not value:
        return value
    digits = normalize_identifier(value)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix):]
    digits = digits.lstrip("+")
    if len(digits) >= 10:
        return digits[:3] + "****" + digits[-4:]
    return "****" + digits[-4:] if len(digits) >= 8 else "****"


def mask_email(value: str | None) -> str | None:
    if not value:
        return value
    value = unicodedata.normalize("NFKC", str(value)).strip()
    if "@" not in value:  # an invalid address is still personal data
        return value[:1] + "***"
    local, domain = value.split("@", 1)
    return f"{local[:1]}***@{domain}"


def mask_name(value: str | None) -> str | None:
    if not value:
        return value
    value = str(value)
    if any("\u4e00" <= ch <= "\u9fff" for ch in value):
        value = value.replace(" ", "")
        return value[0] + "*" * max(len(value) - 1, 1)
    # at most three stars per word, so a long name does not leak its length
    return " ".join(part[0] + "*" * min(len(part) - 1, 3) for part in value.split())


def mask_address(value: str | None) -> str | None:
    """Only a leading non-digit character stays (a house number never does)."""
    if not value:
        return value
    value = str(value).strip()
    return (value[:1] if value[:1] and not value[:1].isdigit() else "") + "***"


def mask_birth_date(value: str | None) -> str | None:
    """The year stays (ages are coarse enough); month and day become stars."""
    if not value:
        return value
    value = unicodedata.normalize("NFKC", str(value))
    year = re.match(r"\s*(1[89]|20)\d\d", value)
    head = year.group(0) if year else ""
    return head + re.sub(r"\d", "*", value[len(head):])


def mask_account(value: str | None) -> str | None:
    """Bank accounts and cards: the last four digits only."""
    if not value:
        return value
    digits = normalize_identifier(value)
    return "****" + digits[-4:] if len(digits) >= 8 else "****"


_MASKS = {"national_id": mask_national_id, "phone": mask_phone, "email": mask_email,
          "name": mask_name, "address": mask_address, "birth_date": mask_birth_date,
          "account": mask_account}


def mask_value(kind: str, value: Any) -> Any:
    """Mask one value of a personal field of ``kind``; None, '' and booleans stay."""
    if value is None or value == "" or isinstance(value, bool):
        return value
    return _MASKS[kind](value if isinstance(value, str) else str(value))


# --- the first net: by field name ----------------------------------------------------
def mask_fields(value: Any, clear: Iterable[str] = (), text_keys: Iterable[str] | None = None) -> Any:
    """A copy of ``value`` with every personal field masked by its name, at any depth.

    A dict or list under a personal field is masked whole (``address.line1``,
    ``phones[*]``); personal fields inside records of other fields (``contacts[*].phone``)
    by their own names. ``clear`` names dotted paths (list items share their list's path)
    that stay as they are. Other strings go through the pattern net (``mask_text``): all
    of them when ``text_keys`` is None, else only those under a key it names."""
    keys = None if text_keys is None else frozenset(text_keys)
    return _walk(value, "", None, None, frozenset(clear), keys)


def _walk(value: Any, path: str, kind: str | None, key: Any, clear: frozenset,
          text_keys: frozenset | None) -> Any:
    if path in clear:
        return value
    if type(value) in _SCALARS:  # the common case first: events are mostly scalars
        return _leaf(value, kind, key, text_keys)
    if isinstance(value, Mapping):
        return {k: _walk(v, f"{path}.{k}" if path else str(k), field_kind(k) or kind, k,
                         clear, text_keys) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        items = [_walk(v, path, kind, key, clear, text_keys) for v in value]
        return tuple(items) if isinstance(value, tuple) else items
    return _leaf(value, kind, key, text_keys)


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _leaf(value: Any, kind: str | None, key: Any, text_keys: frozenset | None) -> Any:
    if kind:
        return mask_value(kind, value)
    if isinstance(value, str) and (text_keys is None or key in text_keys):
        return mask_text(value)
    return value


# Fields of pipeline events that their one consumer needs in clear: dedup matches on
# name and birth date (customer.ingested), tiering's age rule reads the golden birth
# date (customer.registered / updated / merged). Every other personal field of every
# event is masked on its way out; the contracts carry only `display` values besides.
PIPELINE_CLEAR: dict[str, tuple[str, ...]] = {
    "customer.ingested": ("name", "birth_date"),
    "customer.registered": ("customer.birth_date",),
    "customer.updated": ("customer.birth_date",),
    "customer.merged": ("customer.birth_date",),
}
# Free-text fields of events (reasons, notes, errors): masked by pattern.
FREE_TEXT_FIELDS = frozenset({"reason", "note", "notes", "comment", "remark", "detail",
                              "error", "message", "text"})


def mask_event(event_type: str, body: dict) -> dict:
    """An event body as it may leave the service: personal fields masked by name."""
    return mask_fields(body, PIPELINE_CLEAR.get(event_type, ()), FREE_TEXT_FIELDS)


# --- the second net: free text -------------------------------------------------------
_SEP = r"[ \-]?"
_CN_ID = re.compile(rf"(?<![0-9A-Za-z])[1-9](?:{_SEP}\d){{16}}{_SEP}[0-9Xx](?![0-9A-Za-z])|"
                    r"(?<![0-9A-Za-z])\d{15}(?![0-9A-Za-z])")
_CN_MOBILE = re.compile(r"(?<!\d)(?:(?:\+|00)?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
_AREA = r"[1-9]\d{1,2}"
_CN_LANDLINE = re.compile(
    rf"(?<![0-9A-Za-z+*])(?:(?:\+|00)?86[ \-]?(?:\(0?{_AREA}\)|0?{_AREA})|\(0{_AREA}\)|0{_AREA})"
    rf"{_SEP}\d{{3,4}}{_SEP}\d{{4}}(?![0-9A-Za-z*])")
_PASSPORT = re.compile(rf"(?<![0-9A-Za-z])[A-Z]{{1,2}}{_SEP}\d(?:{_SEP}\d){{6,7}}(?![0-9A-Za-z])")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
# A `"field": value` (or `'field': value`) pair in JSON or dict text, also cut short.
_STRING = r"\"(?:[^\"\\]|\\.)*\"?|'(?:[^'\\]|\\.)*'?"
_SCALAR = rf"{_STRING}|-?\d[\d.eE+\-]*|null|None|true|false|True|False"
_MEMBER = re.compile(rf"([\"'])([^\"'\\\n]{{1,64}})\1\s*:\s*"
                     rf"(\[\s*(?:(?:{_SCALAR})\s*,?\s*)*\]?|{_SCALAR})")
_LITERAL = re.compile(rf"{_STRING}|-?\d[\d.eE+\-]*")


def mask_text(text: str) -> str:
    """Mask personal data wherever it appears in free text (logs, notes, raw excerpts).

    Full-width forms are folded first (NFKC), so '１１０１…' is caught too; then
    `"field": value` pairs of personal fields are masked by name, then IDs (also spaced
    or hyphenated), mobiles, landlines, passports and e-mails by pattern."""
    text = _MEMBER.sub(_mask_member, unicodedata.normalize("NFKC", text))
    text = _CN_ID.sub(lambda m: mask_national_id(m.group(0)), text)
    text = _CN_MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    text = _CN_LANDLINE.sub(lambda m: mask_phone(m.group(0)), text)
    text = _PASSPORT.sub(lambda m: mask_national_id(m.group(0)), text)
    return _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)


def _mask_member(match: re.Match) -> str:
    kind = field_kind(match.group(2))
    if kind is None or match.group(3) in ("null", "None", "true", "false", "True", "False"):
        return match.group(0)
    head = match.group(0)[:match.start(3) - match.start(0)]
    return head + _LITERAL.sub(lambda m: _mask_literal(kind, m.group(0)), match.group(3))


def _mask_literal(kind: str, literal: str) -> str:
    """One quoted or numeric literal masked, written back in the same quotes."""
    quote = literal[0] if literal[0] in "\"'" else '"'
    inner = literal[1:-1] if len(literal) > 1 and literal[-1] == literal[0] == quote else \
        literal[1:] if literal[0] == quote else literal
    try:
        inner = json.loads(f'"{inner}"') if quote == '"' else inner
    except ValueError:
        pass
    masked = str(mask_value(kind, inner)).replace("\\", "\\\\").replace(quote, "\\" + quote)
    closed = literal[0] != quote or (len(literal) > 1 and literal[-1] == quote)
    return quote + masked + (quote if closed else "")

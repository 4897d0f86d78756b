"""Personal-data protection: encryption at rest, blind indexes, masking.

Keys come from the environment (a secret in production, a generated file under
.local/ in development), never from the repository. Encryption uses a key ring
(MultiFernet): the first key encrypts, every key decrypts, so keys rotate without
downtime. Blind indexes are keyed HMAC-SHA256 so equal identifiers match without
anyone who lacks the key being able to test guesses.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import unicodedata

from cryptography.fernet import Fernet, MultiFernet

_CN_ID = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])|"
                    r"(?<![0-9A-Za-z])(\d{15})(?![0-9A-Za-z])")
_CN_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")


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


def mask_national_id(value: str | None) -> str | None:
    if not value:
        return value
    return value[:4] + "*" * max(len(value) - 8, 0) + value[-4:] if len(value) > 8 else "****"


def mask_phone(value: str | None) -> str | None:
    if not value:
        return value
    digits = value[3:] if value.startswith("+86") else value.lstrip("+")
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 8 else "****"


def mask_email(value: str | None) -> str | None:
    if not value:
        return value
    if "@" not in value:  # an invalid address is still personal data
        return value[:1] + "***"
    local, domain = value.split("@", 1)
    return f"{local[:1]}***@{domain}"


def mask_name(value: str | None) -> str | None:
    if not value:
        return value
    if any("\u4e00" <= ch <= "\u9fff" for ch in value):
        value = value.replace(" ", "")
        return value[0] + "*" * max(len(value) - 1, 1)
    # at most three stars per word, so a long name does not leak its length
    return " ".join(part[0] + "*" * min(len(part) - 1, 3) for part in value.split())


def mask_text(text: str) -> str:
    """Mask ID numbers, mobiles and emails wherever they appear in free text (logs).

    Full-width digits are folded first (NFKC), so '１１０１…' is caught too.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _CN_ID.sub(lambda m: mask_national_id(m.group(0)), text)
    text = _CN_MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)

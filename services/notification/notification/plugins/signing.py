"""Webhook signatures: HMAC-SHA256 over "<timestamp>.<body>" (docs/webhooks.md).

A signature over the body alone can be replayed for ever; signing the timestamp too
lets a receiver refuse a request older than a few minutes. `verify` is what a
receiver runs; it uses the standard library only, so a bank's receiving system can
copy this file as it is.
"""
from __future__ import annotations

import hashlib
import hmac

TIMESTAMP_HEADER = "X-CRM-Timestamp"
SIGNATURE_HEADER = "X-CRM-Signature"
TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The X-CRM-Signature value: `sha256=` + hex HMAC-SHA256 of b"<timestamp>." + body."""
    if not secret:
        raise ValueError("webhook secret is empty: refusing to sign")
    message = str(int(timestamp)).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str | int | None, body: bytes, signature: str | None,
           now: float, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """True only for a request signed with `secret` whose timestamp is within
    `tolerance` seconds of `now` (either side, for clock skew). Constant-time compare.

    `timestamp` and `signature` are the X-CRM-Timestamp and X-CRM-Signature headers as
    received; `body` is the raw request body, before any JSON parsing."""
    if not secret or not signature or timestamp is None:
        return False
    try:
        sent = int(str(timestamp).strip())
    except ValueError:
        return False
    if abs(now - sent) > tolerance:
        return False  # stale (or from the future): a replay, or a clock far off
    expected = sign(secret, sent, body)
    return hmac.compare_digest(expected.encode(), signature.strip().encode())

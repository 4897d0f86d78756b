"""Notification channels (entry-point group `crm.notification_channels`).

A channel delivers one rendered message to one address and raises on failure;
retries, backoff and exactly-once bookkeeping belong to the service's outbox.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import urllib.request
from email.message import EmailMessage
from typing import Mapping, Protocol

log = logging.getLogger("notification.delivered")


class Channel(Protocol):
    name: str

    def __init__(self, settings: Mapping) -> None: ...

    def send(self, address: str, subject: str, text: str, meta: Mapping) -> None: ...


class LogChannel:
    """Writes the (already masked) message to the service log: the local default."""
    name = "log"

    def __init__(self, settings: Mapping):
        self.settings = settings

    def send(self, address: str, subject: str, text: str, meta: Mapping) -> None:
        log.info("to %s: %s", address, text)


class EmailChannel:
    """SMTP with optional STARTTLS and authentication."""
    name = "email"

    def __init__(self, settings: Mapping):
        self.settings = settings

    def send(self, address: str, subject: str, text: str, meta: Mapping) -> None:
        s = self.settings
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = s.get("sender"), address, subject
        message.set_content(text)
        with smtplib.SMTP(s.get("host", "localhost"), int(s.get("port", 25)), timeout=10) as smtp:
            if str(s.get("starttls")).lower() == "true":
                smtp.starttls()
            if s.get("username"):
                smtp.login(s["username"], s.get("password", ""))
            smtp.send_message(message)


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookChannel:
    """HTTP POST of JSON with an HMAC-SHA256 signature header (X-CRM-Signature)."""
    name = "webhook"

    def __init__(self, settings: Mapping):
        self.settings = settings

    def send(self, address: str, subject: str, text: str, meta: Mapping) -> None:
        body = json.dumps({"subject": subject, "text": text, **meta}, ensure_ascii=False).encode()
        request = urllib.request.Request(address, data=body, method="POST", headers={
            "Content-Type": "application/json",
            "X-CRM-Signature": signature(self.settings.get("secret") or "", body)})
        timeout = float(self.settings.get("timeout_seconds", 5))
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if response.status >= 300:
                raise RuntimeError(f"webhook answered {response.status}")

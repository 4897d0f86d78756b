"""Notification channels (entry-point group `crm.notification_channels`).

A channel delivers one rendered message to one address and raises on failure;
retries, backoff and exactly-once bookkeeping belong to the service's outbox.
"""
from __future__ import annotations

import json
import logging
import smtplib
import ssl
import time
import urllib.request
from email.message import EmailMessage
from typing import Mapping, Protocol

from contracts.values import parse_flag

from .signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

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
    """SMTP with implicit TLS (`ssl`, or port 465) or STARTTLS, and authentication.

    TLS always verifies the server's certificate and host name
    (ssl.create_default_context, plus `ca_file` for a bank's own CA). Once a username
    is configured the password is sent only over TLS: a connection that is not TLS is
    refused before a single credential leaves, and a failed STARTTLS is an error, never
    a fall-back to plaintext."""
    name = "email"

    def __init__(self, settings: Mapping):
        self.settings = settings

    def send(self, address: str, subject: str, text: str, meta: Mapping) -> None:
        s = self.settings
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = s.get("sender"), address, subject
        message.set_content(text)
        mode = tls_mode(s)
        host, port = s.get("host", "localhost"), int(s.get("port", 25))
        if s.get("username") and mode == "none":
            raise PlaintextCredentials(
                f"SMTP credentials are configured but the connection to {host}:{port} would "
                "not be TLS: set SMTP_STARTTLS=true (or use implicit TLS on port 465); "
                "refusing to send the password in plaintext")
        context = tls_context(s) if mode != "none" else None
        smtp = (smtplib.SMTP_SSL(host, port, timeout=10, context=context) if mode == "ssl"
                else smtplib.SMTP(host, port, timeout=10))
        with smtp:
            if mode == "starttls":
                smtp.starttls(context=context)  # raises if the server cannot: no fall-back
            if s.get("username"):
                smtp.login(s["username"], s.get("password", ""))
            smtp.send_message(message)


class PlaintextCredentials(RuntimeError):
    """SMTP credentials would cross an unencrypted connection."""


def _true(value) -> bool:
    """A yes/no setting (SMTP_SSL=true, on, 1 ...), read by the project's one flag parser."""
    return parse_flag(value) is True


def tls_mode(settings: Mapping) -> str:
    """"ssl" (implicit TLS: `ssl` set, or port 465), "starttls" or "none"."""
    if _true(settings.get("ssl")) or int(settings.get("port", 25)) == 465:
        return "ssl"
    return "starttls" if _true(settings.get("starttls")) else "none"


def tls_context(settings: Mapping) -> ssl.SSLContext:
    """A verifying context: certificate chain and host name checked, TLS 1.2 at least."""
    context = ssl.create_default_context(cafile=settings.get("ca_file") or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class WebhookChannel:
    """HTTP POST of JSON signed over timestamp + body (X-CRM-Timestamp, X-CRM-Signature:
    see signing.py and docs/webhooks.md). An empty secret stops the service at start."""
    name = "webhook"

    def __init__(self, settings: Mapping):
        if not settings.get("secret"):
            raise ValueError("CRM_WEBHOOK_SECRET is empty: the webhook channel will not "
                             "send unsigned requests")
        self.settings = settings

    def send(self, address: str, subject: str, text: str, meta: Mapping,
             now: float | None = None) -> None:
        body = json.dumps({"subject": subject, "text": text, **meta}, ensure_ascii=False).encode()
        timestamp = int(time.time() if now is None else now)
        request = urllib.request.Request(address, data=body, method="POST", headers={
            "Content-Type": "application/json", TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(self.settings["secret"], timestamp, body)})
        timeout = float(self.settings.get("timeout_seconds", 5))
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if response.status >= 300:
                raise RuntimeError(f"webhook answered {response.status}")

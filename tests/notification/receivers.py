"""Real local receivers for notification tests: an SMTP server and a webhook endpoint.

The SMTP server is aiosmtpd's Controller (a real SMTP conversation over TCP); the
webhook receiver is the standard library's HTTP server, which checks the
signature over timestamp + body exactly as a bank's receiving system would
(notification.plugins.signing.verify, the function docs/webhooks.md tells them to copy).
"""
from __future__ import annotations

import email
import email.policy
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from notification.plugins.signing import verify


class SmtpSink:
    """Collects every message it receives as (to, subject, body)."""

    def __init__(self, port: int):
        self.port = port
        self.messages: list[dict] = []
        self.controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append({"to": envelope.rcpt_tos, "subject": str(message["Subject"]),
                              "body": message.get_content().strip()})
        return "250 OK"

    def start(self) -> "SmtpSink":
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list[dict]:
        return [m for m in self.messages if address in m["to"]]


class WebhookReceiver:
    """Accepts POSTs; records the JSON body and whether the signature verified."""

    def __init__(self, port: int, secret: str):
        self.port, self.secret, self.received = port, secret, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                ok = verify(receiver.secret, self.headers.get("X-CRM-Timestamp"), body,
                            self.headers.get("X-CRM-Signature"), now=time.time())
                receiver.received.append({"path": self.path, "verified": ok,
                                          "body": json.loads(body)})
                self.send_response(204 if ok else 401)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "WebhookReceiver":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

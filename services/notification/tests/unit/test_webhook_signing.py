"""Webhook signatures over timestamp + body, and the receiver's documented check."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from notification.plugins.channels import WebhookChannel
from notification.plugins.signing import sign, verify

SECRET = "5f0c1e0a9b7d4c3e8a6f2b1d0c9e8f7a"
BODY = b'{"subject": "s", "text": "t"}'
T = 1_800_000_000


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    expected = hmac.new(SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, T, BODY) == f"sha256={expected}"


def test_a_fresh_request_signed_with_the_secret_verifies():
    assert verify(SECRET, str(T), BODY, sign(SECRET, T, BODY), now=T + 299)
    assert verify(SECRET, T, BODY, sign(SECRET, T, BODY), now=T - 299)  # clock skew


@pytest.mark.parametrize("timestamp, body, signature, now", [
    (T, BODY + b" ", sign(SECRET, T, BODY), T),                    # body changed
    (T + 1, BODY, sign(SECRET, T, BODY), T),                      # timestamp changed
    (T, BODY, sign("another-secret-of-thirty-two-chars", T, BODY), T),  # wrong secret
    (T, BODY, sign(SECRET, T, BODY), T + 301),                    # stale: a replay
    (T, BODY, sign(SECRET, T, BODY), T - 301),                    # from the future
    (None, BODY, sign(SECRET, T, BODY), T),                       # no timestamp header
    ("soon", BODY, sign(SECRET, T, BODY), T),                     # not a number
    (T, BODY, None, T),                                           # no signature header
    (T, BODY, "sha256=" + "0" * 64, T),
])
def test_anything_else_is_refused(timestamp, body, signature, now):
    assert not verify(SECRET, timestamp, body, signature, now=now)


def test_the_tolerance_is_the_receivers_choice():
    signature = sign(SECRET, T, BODY)
    assert not verify(SECRET, T, BODY, signature, now=T + 61, tolerance=60)
    assert verify(SECRET, T, BODY, signature, now=T + 59, tolerance=60)


def test_an_empty_secret_neither_signs_nor_verifies():
    with pytest.raises(ValueError):
        sign("", T, BODY)
    assert not verify("", T, BODY, "sha256=", now=T)


def test_the_channel_refuses_to_start_without_a_secret():
    with pytest.raises(ValueError, match="CRM_WEBHOOK_SECRET is empty"):
        WebhookChannel({"secret": ""})
    with pytest.raises(ValueError):
        WebhookChannel({})


def test_the_channel_posts_what_the_documented_check_accepts():
    """A real HTTP receiver running `verify` on the headers the channel sent."""
    got = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            ok = verify(SECRET, self.headers.get("X-CRM-Timestamp"), body,
                        self.headers.get("X-CRM-Signature"), now=T + 5)
            got.append((ok, self.headers.get("X-CRM-Timestamp"), json.loads(body)))
            self.send_response(204 if ok else 401)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        WebhookChannel({"secret": SECRET}).send(
            f"http://127.0.0.1:{server.server_port}/hook", "s", "t", {"customer": "C1"}, now=T)
    finally:
        server.shutdown()
        server.server_close()
    assert got == [(True, str(T), {"subject": "s", "text": "t", "customer": "C1"})]

"""Check a webhook request from the customer pool's notification service (standard library).

    CRM_WEBHOOK_SECRET=... python verify_webhook.py --timestamp 1764626400 \
        --signature sha256=3f6c... < body.json

The service signs `<X-CRM-Timestamp>.<raw body>` with HMAC-SHA256 and the shared secret and
sends `X-CRM-Signature: sha256=<hex>` (docs/webhooks.md). A receiver accepts a request only
when both headers are there, the timestamp is within 300 seconds of its own clock, and the
signature matches in a constant-time comparison. `--serve PORT` runs a minimal receiver that
answers 204 to a valid request and 401 to any other. Exit status 0: valid; 1: refused.
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import http.server
import os
import sys
import time

TIMESTAMP_HEADER = "X-CRM-Timestamp"
SIGNATURE_HEADER = "X-CRM-Signature"
TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    message = str(int(timestamp)).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp, body: bytes, signature, now: float,
           tolerance: int = TOLERANCE_SECONDS) -> bool:
    """True only for `body` signed with `secret` at a `timestamp` within `tolerance` s of `now`."""
    if not secret or not signature or timestamp is None:
        return False
    try:
        sent = int(str(timestamp).strip())
    except ValueError:
        return False
    if abs(now - sent) > tolerance:
        return False  # stale or from the future: a replay, or a clock far off
    return hmac.compare_digest(sign(secret, sent, body).encode(), str(signature).strip().encode())


def receiver(secret: str) -> type[http.server.BaseHTTPRequestHandler]:
    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server name
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            ok = verify(secret, self.headers.get(TIMESTAMP_HEADER), body,
                        self.headers.get(SIGNATURE_HEADER), time.time())
            self.send_response(204 if ok else 401)
            self.end_headers()
            if ok:
                print(body.decode("utf-8"), flush=True)

        def log_message(self, *args) -> None:
            pass
    return Receiver


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--secret", default=os.environ.get("CRM_WEBHOOK_SECRET"),
                        help="the shared secret (default: $CRM_WEBHOOK_SECRET)")
    parser.add_argument("--timestamp", help=f"the {TIMESTAMP_HEADER} header")
    parser.add_argument("--signature", help=f"the {SIGNATURE_HEADER} header")
    parser.add_argument("--serve", type=int, metavar="PORT", help="run a receiver instead")
    args = parser.parse_args(argv)
    if not args.secret:
        parser.error("give --secret or set CRM_WEBHOOK_SECRET")
    if args.serve:
        http.server.HTTPServer(("127.0.0.1", args.serve), receiver(args.secret)).serve_forever()
    body = sys.stdin.buffer.read()
    if verify(args.secret, args.timestamp, body, args.signature, time.time()):
        print("valid")
        return 0
    print("refused")
    return 1


if __name__ == "__main__":
    sys.exit(main())

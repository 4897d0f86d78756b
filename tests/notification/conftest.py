"""Notification tests run against a notification process configured for them.

The email channel's relay (SMTP_HOST/SMTP_PORT) and the retry timing are
deployment settings read from the environment at start-up, like in production.
So this package-scoped fixture stops the stack's notification process and starts
a replacement (`stack.start_replica`) with the test's SMTP port, a short retry
base and a 1-second "day" for follow-up reminders. No test-only code path exists
in the service.
"""
from __future__ import annotations

import os
import signal

import pytest

from tests.notification.receivers import SmtpSink
from tools.stack.procs import free_port, stop_pid

SETTINGS = {"SMTP_HOST": "127.0.0.1", "NOTIFICATION_RETRY_BASE_SECONDS": "0.5",
            "NOTIFICATION_MAX_ATTEMPTS": "4", "NOTIFICATION_FOLLOWUP_DAY_SECONDS": "1"}


@pytest.fixture(scope="package")
def notifier(stack):
    port = free_port()
    saved = {k: os.environ.get(k) for k in (*SETTINGS, "SMTP_PORT")}
    os.environ.update(SETTINGS, SMTP_PORT=str(port))
    try:
        stack.kill_service("notification", signal.SIGTERM)
        replica = stack.start_replica("notification")
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    sink = SmtpSink(port).start()
    yield sink
    sink.stop()
    # give the stack its own notification process back (its port is in METRICS_URLS)
    stop_pid(replica)
    stack.extra.remove(replica)
    stack.up()


@pytest.fixture(scope="session")
def webhook_secret(stack) -> str:
    secrets = dict(line.split("=", 1) for line in
                   (stack.base / "secrets.env").read_text().split())
    return secrets["CRM_WEBHOOK_SECRET"]

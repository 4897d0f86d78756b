"""A service process refuses to start with a placeholder key (issue 16, point 3).

Starts the real `python -m common.runner ingestion` the way the stack does. The
secret check runs before the runner waits for the broker, so the broker URI here
points at a closed port: a process that got past the check says it is waiting for
the broker, one that did not exits at once with one line naming the variable.
"""
from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
import time

from tools.stack.procs import free_port

FERNET = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def _env(**secret_env: str) -> dict[str, str]:
    closed = free_port()
    return {**{k: v for k, v in os.environ.items()
               if not k.startswith(("CRM_", "SMTP_", "AMQP_", "MONGO_"))},
            "AMQP_URI": f"amqp://guest:guest@127.0.0.1:{closed}/",
            "MONGO_URI": f"mongodb://127.0.0.1:{closed}/", "WEB_PORT": str(free_port()),
            **secret_env}


def _start(env: dict[str, str], merged: bool = False) -> subprocess.Popen:
    """The service process; its log goes to stdout, the refusal to stderr."""
    return subprocess.Popen([sys.executable, "-m", "common.runner", "ingestion"], env=env,
                            stdout=subprocess.PIPE, text=True,
                            stderr=subprocess.STDOUT if merged else subprocess.PIPE)


def test_a_placeholder_blind_index_key_stops_ingestion_with_one_clear_line():
    proc = _start(_env(CRM_ENCRYPTION_KEYS=f"k1:{FERNET}", CRM_BLIND_INDEX_KEY="change-me"))
    out, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    refusals = [line for line in err.splitlines() if "refusing to start" in line]
    assert refusals == [refusals[0]] and "CRM_BLIND_INDEX_KEY is a placeholder" in refusals[0]
    assert "change-me" not in err + out and FERNET not in err + out  # never the value
    assert "waiting for broker" not in err + out


def test_a_short_encryption_key_stops_ingestion_too():
    proc = _start(_env(CRM_ENCRYPTION_KEYS="k1:tooshort", CRM_BLIND_INDEX_KEY=secrets.token_hex(32)))
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert "CRM_ENCRYPTION_KEYS has a key that is shorter than 32 characters" in err


def test_generated_secrets_get_past_the_check():
    """The same start with keys shaped like tools/stack's goes on to wait for the broker."""
    proc = _start(_env(CRM_ENCRYPTION_KEYS=f"k1:{FERNET}", CRM_BLIND_INDEX_KEY=secrets.token_hex(32)),
                  merged=True)
    try:
        deadline, seen = time.monotonic() + 60, ""
        while time.monotonic() < deadline and "waiting for broker" not in seen:
            line = proc.stdout.readline()  # the runner logs a wait every few seconds
            if not line and proc.poll() is not None:
                break
            seen += line
        assert "waiting for broker" in seen, seen
        assert "refusing to start" not in seen
    finally:
        proc.terminate()
        proc.wait(timeout=30)

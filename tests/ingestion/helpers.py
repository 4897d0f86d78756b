"""Shared helpers for ingestion's integration tests: valid IDs, DB counts, rejects."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

from pymongo import MongoClient

from ingestion.domain.cn_id import check_digit


def cn_id(serial: int, birth: str = "19900307", area: str = "110101") -> str:
    """A valid 18-digit resident ID (correct check digit) for test record `serial`."""
    first17 = f"{area}{birth}{serial % 1000:03d}"
    return first17 + check_digit(first17)


def records(stack, source: str) -> list[dict]:
    with MongoClient(stack.mongo_uri("ingestion")) as client:
        return list(client["crm_ingestion"]["records"].find({"source": source}))


def open_rejects(stack) -> list[dict]:
    return stack.crm_json("rejects", "list", "--json")


def post(url: str, body: bytes, content_type: str = "application/json",
         token: str | None = None) -> tuple[int, dict]:
    """POST to the intake, with `Authorization: Bearer <token>` when a token is given."""
    headers = {"Content-Type": content_type}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def wait_intake_empty(stack, quiet: float = 3.0, timeout: float = 300.0) -> None:
    """Wait until ingestion's own queue is empty for `quiet` seconds.

    Ingestion's guarantees end at its events; waiting for the whole pipeline
    (stack.drain) would also time the downstream services."""
    import time
    deadline, since = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        queue = next(q for q in stack.queues() if q["name"] == "crm.intake.ingestion")
        if queue.get("messages", 0):
            since = None
        elif since is None:
            since = time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(0.5)
    raise AssertionError("ingestion's intake queue did not empty")

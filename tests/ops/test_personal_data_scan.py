"""Issue 10 (personal data): after a run, raw ID numbers and phones are nowhere.

Customers with known identifiers go through the whole pipeline (to a maintainer and a
notification) plus one broken record that ends as a reject; then every collection of
every service database, every service log and every event on the five exchanges is
searched for the raw values. They may exist only encrypted (or as keyed blind indexes).
"""
from __future__ import annotations

import glob
import json

import pytest
from pymongo import MongoClient

from tests.ingestion.helpers import cn_id

pytestmark = pytest.mark.integration

EXCHANGES = ("ingestion.events", "dedup.events", "tiering.events", "assignment.events",
             "notification.events")


def _people() -> list[dict]:
    return [{"source": "pd_scan", "external_id": f"PD-{i}", "name": f"Scan Person{i}",
             "national_id": cn_id(700 + i, birth="19720815", area="320102"),
             "phones": [f"1770071{i:04d}"], "branch": "PD01", "registered_by": "PD-M1",
             "registered_at": "2025-06-01T09:00:00",
             "financials": {"avg_daily_assets": 320000 + i, "has_relationship": True}}
            for i in range(4)]


def _database_text(stack) -> dict[str, str]:
    """Every document of every service database, as text, per collection."""
    out = {}
    for uri in stack.mongo_uris():
        with MongoClient(uri) as client:
            for db_name in client.list_database_names():
                if not db_name.startswith("crm_"):
                    continue
                for coll in client[db_name].list_collection_names():
                    if coll.startswith("system."):
                        continue
                    rows = list(client[db_name][coll].find())
                    out[f"{db_name}.{coll}"] = json.dumps(rows, default=str, ensure_ascii=False)
    return out


def test_raw_ids_and_phones_exist_nowhere_but_encrypted(stack):
    stack.crm("managers", "add", "--id", "PD-M1", "--name", "Zhou Min", "--role",
              "financial_manager", "--branch", "PD01", "--capacity", "10")
    people = _people()
    broken = {**people[0], "external_id": "PD-bad", "financials": "lots"}  # -> reject
    subscribers = [stack.subscribe(exchange, "#") for exchange in EXCHANGES]
    try:
        stack.publish(people)
        stack.publish(broken)
        stack.drain(timeout=600)
        events = json.dumps([e for s in subscribers for e in s.collect(quiet=3)],
                            ensure_ascii=False)
    finally:
        for subscriber in subscribers:
            subscriber.close()
    secrets = [p["national_id"] for p in people] + [p["phones"][0] for p in people]

    assert "pd_scan" in events or "PD01" in events  # the run was seen at all
    stored = _database_text(stack)
    assert any("pd_scan" in text for text in stored.values())
    logs = {path: open(path, encoding="utf-8", errors="replace").read()
            for path in glob.glob(str(stack.base / "logs" / "*.log"))}
    places = {**stored, **logs, "events": events}
    leaks = sorted({f"{where}: {secret[:3]}...{secret[-2:]}" for where, text in places.items()
                    for secret in secrets if secret in text})
    assert not leaks, f"raw identifiers found in: {leaks}"

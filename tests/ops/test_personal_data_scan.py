"""Issues 10 and 16 (personal data): after a run, raw identifiers are nowhere.

Customers with known identifiers go through the whole pipeline (to a maintainer and a
notification) plus broken records that end as rejects; then every collection of every
service database, every service log, every event on the five exchanges and every
notification text is searched for the raw values. They may exist only encrypted (or as
keyed blind indexes).

The identifiers come in every form the intake contract accepts (issue 16, point 4): ID
numbers written plain, spaced and hyphenated; passport numbers (the contract carries them
as `national_id` with `national_id_type: passport`; it has no field of their own);
landlines with area codes in `phones`, written with hyphens, spaces, parentheses and a
country code, and a local landline without area code (kept aside as invalid). Each is
searched as written and in its digits-only (or separator-free) normalisation.
"""
from __future__ import annotations

import glob
import json
import re

import pytest
from pymongo import MongoClient

from tests.ingestion.helpers import cn_id

pytestmark = pytest.mark.integration

EXCHANGES = ("ingestion.events", "dedup.events", "tiering.events", "assignment.events",
             "notification.events")


def _spaced(nid: str) -> str:
    return f"{nid[:6]} {nid[6:14]} {nid[14:]}"


def _hyphenated(nid: str) -> str:
    return f"{nid[:6]}-{nid[6:14]}-{nid[14:]}"


# (national_id as written, national_id_type, phones as written): people 4 to 9
WRITTEN_FORMS = [
    (_spaced(cn_id(704, birth="19720815", area="320102")), None, ["010-6552 1234"]),
    (_hyphenated(cn_id(705, birth="19720815", area="320102")), "cn_resident",
     ["(0755) 8888-6666"]),
    ("E12345678", "passport", ["+86 10 6552 4321"]),
    ("G1234567", "passport", ["0755-8888 6606", "6552 7788"]),
    (_spaced(cn_id(708, birth="19720815", area="320102")), None, ["+86-21-5432 1098"]),
    (_hyphenated(cn_id(709, birth="19720815", area="320102")), None, ["(021) 6543-2109"]),
]


def _person(i: int, national_id: str, id_type: str | None, phones: list[str]) -> dict:
    person = {"source": "pd_scan", "external_id": f"PD-{i}", "name": f"Scan Person{i}",
              "national_id": national_id, "phones": phones, "branch": "PD01",
              "registered_by": "PD-M1", "registered_at": "2025-06-01T09:00:00",
              "financials": {"avg_daily_assets": 320000 + i, "has_relationship": True}}
    return {**person, "national_id_type": id_type} if id_type else person


def _people() -> list[dict]:
    plain = [_person(i, cn_id(700 + i, birth="19720815", area="320102"), None,
                     [f"1770071{i:04d}"]) for i in range(4)]
    return plain + [_person(4 + n, *form) for n, form in enumerate(WRITTEN_FORMS)]


def _saw_the_run(events: list[dict]) -> bool:
    """At least one event of this run (the pipeline was drained: the rest is queued)."""
    return any(mark in json.dumps(e) for e in events for mark in ("pd_scan", "PD01", "PD-M1"))


def _secrets(people: list[dict]) -> set[str]:
    """Every identifier as written, without its separators, and (phones) its digits
    with and without the trunk 0 or the country code."""
    found = set()
    for person in people:
        for value in [person["national_id"], *person["phones"]]:
            found |= {value, re.sub(r"[\s\-.()]", "", value)}
        for phone in person["phones"]:
            digits = re.sub(r"\D", "", phone)
            national = digits[2:] if phone.startswith("+86") else digits.lstrip("0")
            found |= {digits, national, "0" + national}
    return found


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


def test_raw_identifiers_in_any_written_form_exist_nowhere_but_encrypted(stack):
    stack.crm("managers", "add", "--id", "PD-M1", "--name", "Zhou Min", "--role",
              "financial_manager", "--branch", "PD01", "--capacity", "20")
    people = _people()
    broken = [{**people[0], "external_id": "PD-bad", "financials": "lots"},  # -> rejects
              {**people[4], "external_id": "PD-bad-spaced", "financials": "lots"},
              {**people[6], "external_id": "PD-bad-passport", "financials": "lots"}]
    subscribers = [stack.subscribe(exchange, "#") for exchange in EXCHANGES]
    try:
        stack.publish(people)
        for record in broken:
            stack.publish(record)
        stack.drain(timeout=600)
        events = json.dumps([e for s in subscribers for e in s.wait_for(_saw_the_run)],
                            ensure_ascii=False)  # every event on each exchange
    finally:
        for subscriber in subscribers:
            subscriber.close()
    mine = [n for n in stack.notifications() if n["recipient"] == "PD-M1"]
    texts = json.dumps([n.get("text") for n in mine], ensure_ascii=False)

    assert "pd_scan" in events or "PD01" in events  # the run was seen at all
    assert len(mine) >= len(people), "every customer reached its maintainer"
    assert "106****1234" in texts and "755****6666" in texts  # landlines shown masked
    stored = _database_text(stack)
    assert any("pd_scan" in text for text in stored.values())
    assert sum(text.count("PD-bad") for name, text in stored.items()
               if name.endswith(".rejects")) >= len(broken)
    logs = {path: open(path, encoding="utf-8", errors="replace").read()
            for path in glob.glob(str(stack.base / "logs" / "*.log"))}
    places = {**stored, **logs, "events": events, "notification texts": texts}
    leaks = sorted({f"{where}: {secret[:3]}...{secret[-2:]}" for where, text in places.items()
                    for secret in _secrets(people) if secret in text})
    assert not leaks, f"raw identifiers found in: {leaks}"

"""Building intake records for distinct people, and waiting for tier.changed events."""
from __future__ import annotations

import itertools
import json
from pathlib import Path

import jsonschema

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "contracts" / "jsonschema" / "tier.changed.json").read_text())
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰萍"


def national_id(n: int, birth: str = "19800101") -> str:
    """A checksum-valid 18-digit resident ID, distinct per `n` (sequence digits).

    Its own area code (650102): other suites' people share the birth date, and a
    shared ID makes dedup merge a tiering test's person into theirs (seen in CI)."""
    body = f"650102{birth}{n % 1000:03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS)) % 11]
    return body + check


def name(n: int) -> str:
    """Distinct, dissimilar-enough names so dedup never merges two test people."""
    return SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)] + GIVEN[(n * 13 + 3) % len(GIVEN)]


def person(n: int, branch: str, assets: float, source: str = "core", ext: str | None = None,
           willingness: str = "high", with_id: bool = True, phone: str | None = None,
           birth_date: str = "1980-01-01") -> dict:
    record = {"source": source, "external_id": ext or f"{branch}-{n}", "name": name(n),
              "phones": [phone or f"135{n:08d}"], "branch": branch, "registered_by": "M001",
              "registered_at": "2025-01-01T09:00:00", "birth_date": birth_date,
              "financials": {"avg_daily_assets": assets, "has_relationship": True,
                             "as_of": "2026-10-31"},
              "intent": {"willingness": willingness, "potential": "high"}}
    if with_id:
        record["national_id"] = national_id(n)
    return record


def valid(events: list[dict]) -> list[dict]:
    """Every event must satisfy the published JSON Schema (the public contract)."""
    for event in events:
        jsonschema.validate(event, SCHEMA)
    return events


def moves(events: list[dict]) -> dict[tuple[str, str], tuple]:
    """(customer_id, scheme) -> (previous, current, direction); fails on duplicates."""
    out: dict[tuple[str, str], tuple] = {}
    for event in events:
        key = (event["customer_id"], event["scheme"])
        assert key not in out, f"two events for {key}: {out.get(key)} and {event}"
        out[key] = (event["previous"], event["current"], event["direction"])
    return out


def in_branches(branches: set[str]):
    return lambda event: event.get("branch") in branches


def tier_events(subscriber, branches: set[str], count: int) -> list[dict]:
    """The `count` tier.changed events the test expects for these branches (and any
    already queued beside them), checked against the contract."""
    return valid(subscriber.wait_for(count, in_branches(branches)))


_markers = itertools.count(950)


def events_before_marker(stack, subscriber, branches: set[str]) -> list[dict]:
    """Every tier.changed event for these branches the pipeline emitted before a
    marker: a new person, alone in a branch of its own, published now. Its first event
    proves the pipeline has processed past what the test published before, so this is
    "all of them" when a test cannot know how many come, and `== []` proves none
    comes."""
    n = next(_markers)
    stack.publish(person(n, f"TZ{n}", 150000))
    events = subscriber.take_until(in_branches({f"TZ{n}"}), in_branches(branches))
    return valid(events)

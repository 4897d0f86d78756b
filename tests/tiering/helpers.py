"""Building intake records for distinct people, and reading tier.changed events."""
from __future__ import annotations

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


SWEEP_WAIT = 20.0  # outbox sweeper: rows older than 10 s, every 5 s


def collect(stack, subscriber, branches: set[str]) -> list[dict]:
    """Drain the pipeline, then everything that arrived for the given branches.

    An empty queue does not mean every event is out: one whose publish failed (a
    pooled connection the broker dropped earlier in the session) waits in its outbox
    for the sweeper. So "nothing yet" is only believed after a sweep could have run,
    which also makes the "no event" assertions stronger."""
    stack.drain()
    events = [e for e in subscriber.collect() if e.get("branch") in branches]
    if not events:
        events = [e for e in subscriber.collect(quiet=SWEEP_WAIT) if e.get("branch") in branches]
    return valid(events)

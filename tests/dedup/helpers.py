"""Building intake records for dedup's integration tests and reading its results."""
from __future__ import annotations

import time

from ingestion.domain.cn_id import check_digit

FULL_WIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")


def cn_id(birth: str, serial: int, area: str = "440305", check: str | None = None) -> str:
    """A valid resident ID; with `check`, the first serial >= `serial` giving that
    check character (to get an 'X' on purpose)."""
    for s in range(serial, serial + 1000):
        first17 = f"{area}{birth}{s % 1000:03d}"
        digit = check_digit(first17)
        if check is None or digit == check:
            return first17 + digit
    raise AssertionError("no serial gives that check character")


def record(source: str, ext: str, name: str, branch: str, *, national_id: str | None = None,
           phones: list[str] | None = None, birth_date: str | None = None,
           registered_at: str = "2025-01-01T09:00:00", registered_by: str = "M001",
           address: dict | None = None, assets: float = 150000) -> dict:
    out = {"source": source, "external_id": ext, "name": name, "branch": branch,
           "registered_by": registered_by, "registered_at": registered_at,
           "financials": {"avg_daily_assets": assets, "has_relationship": True}}
    if national_id is not None:
        out["national_id"] = national_id
    if phones:
        out["phones"] = phones
    if birth_date is not None:
        out["birth_date"] = birth_date
    if address is not None:
        out["address"] = address
    return out


def clusters(stack, sources: set[str]) -> list[dict]:
    """Export lines having at least one member from `sources`."""
    return [c for c in stack.crm_json("export", "clusters")
            if any(m["source"] in sources for m in c["members"])]


def members(cluster: dict) -> set[str]:
    return {f"{m['source']}:{m['external_id']}" for m in cluster["members"]}


def cluster_of(found: list[dict], member: str) -> dict:
    hits = [c for c in found if member in members(c)]
    assert len(hits) == 1, (member, found)
    return hits[0]


def reviews(stack) -> list[dict]:
    return stack.crm_json("review", "list", "--json")


def redlist(stack) -> list[dict]:
    return stack.crm_json("redlist", "--json")


def dedup_consumers(stack) -> int:
    return sum(q.get("consumers", 0) for q in stack.queues()
               if q["name"].endswith("--dedup.on_ingested"))


def wait_until(predicate, timeout: float = 60, step: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()

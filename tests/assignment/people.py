"""Distinct synthetic persons for integration tests (distinct names, IDs, phones).

Dedup merges records that share an ID, a phone or a close name, so every person
built here differs in all three; a run prefix keeps test cases apart.
"""
from __future__ import annotations

import itertools
import time
import uuid

from ingestion.domain.cn_id import check_digit

SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞"
_counter = itertools.count(int(time.time()) % 9000)


def national_id(n: int, birth: str = "19800101") -> str:
    first17 = f"110101{birth}{n % 1000:03d}"
    return first17 + check_digit(first17)


def person(branch: str, assets: float, registered_by: str | None = None,
           birth: str = "1980-01-01", intent: dict | None = None, **extra) -> dict:
    """One intake record; `external_id` is unique per call."""
    n = next(_counter)
    name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n // len(SURNAMES)) % len(GIVEN)] + \
        GIVEN[(n * 7 + 3) % len(GIVEN)]
    record = {"source": "test", "external_id": f"{branch}-{uuid.uuid4().hex[:10]}",
              "name": name, "national_id": national_id(n, birth.replace("-", "")),
              "phones": [f"139{n % 100000000:08d}"], "branch": branch,
              "registered_by": registered_by or "nobody",
              "registered_at": "2025-01-01T09:00:00", "birth_date": birth,
              "financials": {"avg_daily_assets": assets, "has_relationship": True}}
    if intent:
        record["intent"] = intent
    record.update(extra)
    return record


def unique_branch(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:5].upper()}"

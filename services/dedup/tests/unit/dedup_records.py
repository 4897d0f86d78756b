"""Test records for dedup's unit tests: one intake record as dedup stores it, shared by
the golden-customer tests (test_clusters.py) and the bench pool's (test_bench_pool.py)
so both build the same shape."""
from __future__ import annotations

from typing import Any

# Identity-number conflicts weigh as evidence (config.yaml's setting), not as a veto.
EVIDENCE = {"national_id_conflict": "evidence",
            "weights": {"exact_identifier": {"agree": 14.0, "disagree": -4.0, "floor": 0.0}}}


def rec(rid: str, **kw: Any) -> dict:
    """A person record "source:external_id" named 张三, born 1985-03-07; `kw` overrides."""
    base = {"record_id": rid, "source": rid.split(":")[0], "external_id": rid.split(":")[1],
            "kind": "person", "name": "张三", "birth_date": "1985-03-07", "gender": "male",
            "national_id_bi": None, "phone_bis": [], "email_bis": [], "postcode": "100000",
            "address_bi": None, "branch": "BR1", "registered_by": "u1",
            "registered_at": "2024-01-01T00:00:00", "financials": {}, "intent": {},
            "has_contact": False}
    base.update(kw)
    return base

"""The gauges moved by difference equal the figures counted from every fact (pure)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # population, test_kpi

from reporting.domain import gauges, kpi  # noqa: E402
from reporting.domain.periods import parse_period  # noqa: E402
from reporting.domain.timeline import groups  # noqa: E402

from test_kpi import B1, B2, population  # noqa: E402

Q4 = parse_period("2026Q4")


def _component(ids: set, facts: list[dict]) -> set:
    """Every id merged with one of `ids` (what storage.linked finds in the links)."""
    edges = [(a, f["customer_id"]) for f in facts if f["kind"] == "merge"
             for a in f["absorbed_ids"]]
    found = set(ids)
    while True:
        more = {x for a, b in edges if a in found or b in found for x in (a, b)} - found
        if not more:
            return found
        found |= more


def _refresh(kept: dict, totals: list, facts: list[dict], new: list[dict]) -> tuple:
    """What handlers.refresh_gauges does, over lists: count the named customers again."""
    everything = facts + new
    named = {f["customer_id"] for f in new} | {i for f in new for i in f.get("absorbed_ids", ())}
    ids = _component(named, everything)
    found = gauges.shares(groups(f for f in everything if f["customer_id"] in ids), Q4)
    old = [kept[i] for i in ids if i in kept]
    kept = {k: v for k, v in kept.items() if k not in ids} | found
    return kept, gauges.moved(totals, old, found.values())


@pytest.mark.parametrize("split", range(0, 40, 3))
def test_moved_totals_equal_counting_every_fact(split):
    facts = population()
    kept = gauges.shares(groups(facts[:split]), Q4)
    totals = gauges.moved([], [], kept.values())
    kept, totals = _refresh(kept, totals, facts[:split], facts[split:])
    assert gauges.rows(totals) == kpi.compute(groups(facts), Q4, "branch") == [B1, B2]
    assert gauges.rows(gauges.moved([], [], kept.values())) == [B1, B2]


def test_refreshing_fact_by_fact_keeps_the_totals_exact():
    facts, kept, totals = population(), {}, []
    for index, fact in enumerate(facts):
        kept, totals = _refresh(kept, totals, facts[:index], [fact])
    assert gauges.rows(totals) == [B1, B2]


def test_a_branch_whose_customers_left_reads_zero_not_stale():
    facts = population()
    b2 = {f["customer_id"] for f in facts if f.get("branch") == "B2"}
    kept = gauges.shares(groups(facts), Q4)
    totals = gauges.moved([], [], kept.values())
    left = gauges.moved(totals, [kept[c] for c in b2 if c in kept], [])
    b2_row = next(r for r in gauges.rows(left) if r["branch"] == "B2")
    assert (b2_row["maintained_start"], b2_row["maintained_end"]) == (0, 0)
    assert b2_row["churn_rate"] is None


def test_only_changed_shares_are_written_and_only_replaced_or_gone_ones_dropped():
    kept = {"A": [{"branch": "B1", "maintained_end": 1}], "B": [], "C": []}
    found = {"A": [{"branch": "B1", "maintained_end": 1}], "B": [{"branch": "B2"}],
             "D": []}
    write, drop = gauges.changes(kept, found, ["A", "B", "C", "D"])
    assert write == {"B": [{"branch": "B2"}], "D": []}
    assert drop == {"B", "C"}  # B replaced, C merged away; A as kept, left alone

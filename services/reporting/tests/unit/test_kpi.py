"""The indicators over a hand-made population, against figures computed by hand.

B1: C1 (M1, 150k -> 300k, branch -> financial band: an upgrade, products A -> A,B),
    C2 (M1, 80k -> 20k, drops to mass: released = churned), C3 (M2, 120k -> 130k, M2
    leaves on 2 Dec and C3 moves to M1: a transfer), C4 (won by M1 in Q4, 250k, 3 products).
B2: C5 (M3, 500k) absorbs C6 (M4, 60k) in Q4 (golden 600k, products A,D), C7 (M3, 70k)
    erased in Q4: an anonymous customer that left the bank.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # population

from reporting.domain import erasure, facts, kpi  # noqa: E402
from reporting.domain.periods import parse_period  # noqa: E402
from reporting.domain.timeline import groups  # noqa: E402

from population import Q3, Q4, assigned, golden, merged, tier  # noqa: E402


def population() -> list[dict]:
    out = []

    def customer(cid, branch, assets, products, as_of, band, star, direction, manager,
                 corr):
        out.append(facts.snapshot(golden(cid, branch, assets, products, as_of, corr)))
        out.append(facts.tier(tier(cid, "service_band", band, direction, corr)))
        out.append(facts.tier(tier(cid, "star", star, direction, corr)))
        if manager is not False:
            out.append(facts.assignment(assigned(cid, manager, branch, "tier", corr)))

    customer("C1", "B1", "150000.00", ["A"], Q3, "branch", "3", "new", "M1", "c1q3")
    customer("C1", "B1", "300000.00", ["A", "B"], Q4, "financial", "4", "up", False, "c1q4")
    customer("C2", "B1", "80000.00", ["A"], Q3, "staff", "3", "new", "M1", "c2q3")
    customer("C2", "B1", "20000.00", ["A"], Q4, "mass", "2", "down", None, "c2q4")
    customer("C3", "B1", "120000.00", [], Q3, "branch", "3", "new", "M2", "c3q3")
    out.append(facts.assignment(assigned("C3", "M1", "B1", "maintainer M2 deactivated",
                                         "leave", "2026-12-02T03:00:00+00:00")))
    customer("C3", "B1", "130000.00", ["A"], Q4, "branch", "3", "new", False, "c3q4")
    customer("C4", "B1", "250000.00", ["A", "B", "C"], Q4, "financial", "3", "new", "M1", "c4")
    customer("C5", "B2", "500000.00", ["A"], Q3, "financial", "4", "new", "M3", "c5")
    customer("C6", "B2", "60000.00", ["D"], Q3, "staff", "3", "new", "M4", "c6")
    customer("C7", "B2", "70000.00", [], Q3, "staff", "3", "new", "M3", "c7")
    out.append(facts.merge(merged("C5", "C6", "B2", "600000.00", ["A", "D"], Q4, "m56")))
    out.append(facts.snapshot(golden("C5", "B2", "600000.00", ["A", "D"], Q4, "m56")))
    out.append(facts.tier(tier("C6", "service_band", None, "removed", "m56", "C5")))
    out.append(facts.assignment(assigned("C6", None, "B2", "merged into C5", "m56")))
    ids = erasure.anonymous_ids(["C7"])
    erased = {"event_id": "er-7", "erased_at": "2026-11-15T10:00:00+00:00"}
    return [erasure.rekeyed(f, ids) for f in out] + [erasure.exit_fact(ids, "C7", erased)]


B1 = {"branch": "B1", "maintained_start": 3, "maintained_end": 3, "churned": 1,
      "churn_rate": 0.3333, "upgraded": 1, "upgrade_rate": 0.3333, "products_held": 6,
      "product_coverage": 2.0, "min_products": 2, "with_min_products": 2,
      "customers_won": 1, "customer_growth": 0, "assets_start": "350000.00",
      "assets_end": "680000.00", "asset_growth": "330000.00", "mid_high_grown": 2}
B2 = {"branch": "B2", "maintained_start": 2, "maintained_end": 1, "churned": 1,
      "churn_rate": 0.5, "upgraded": 0, "upgrade_rate": 0.0, "products_held": 2,
      "product_coverage": 2.0, "min_products": 2, "with_min_products": 1,
      "customers_won": 0, "customer_growth": -1, "assets_start": "570000.00",
      "assets_end": "600000.00", "asset_growth": "30000.00", "mid_high_grown": 0}


def test_branch_figures_match_the_hand_computation():
    rows = kpi.compute(groups(population()), parse_period("2026Q4"), "branch")
    assert rows == [B1, B2]


def test_maintainer_figures_keep_upgrade_credit_and_count_transfers_as_no_churn():
    rows = kpi.compute(groups(population()), parse_period("2026Q4"), "maintainer")
    by_id = {r["maintainer_id"]: r for r in rows}
    assert sorted(by_id) == ["M1", "M2", "M3"]   # M4's customer is restated into C5
    m1, m2 = by_id["M1"], by_id["M2"]
    assert (m1["maintained_start"], m1["maintained_end"], m1["churned"], m1["upgraded"],
            m1["customers_won"], m1["products_held"]) == (2, 3, 1, 1, 1, 6)
    assert (m1["assets_start"], m1["assets_end"], m1["mid_high_grown"]) == (
        "230000.00", "680000.00", 2)
    assert (m2["maintained_start"], m2["maintained_end"], m2["churned"],
            m2["customer_growth"], m2["asset_growth"]) == (1, 0, 0, -1, "-120000.00")
    assert {k: v for k, v in by_id["M3"].items() if k != "maintainer_id"} == B2


def test_the_third_quarter_sees_only_its_own_data():
    rows = kpi.compute(groups(population()), parse_period("2026Q3"), "branch")
    b1 = next(r for r in rows if r["branch"] == "B1")
    # nobody was maintained on 1 July; C1, C2, C3 were won by 30 September
    assert (b1["maintained_start"], b1["maintained_end"], b1["customers_won"],
            b1["assets_end"], b1["products_held"]) == (0, 3, 3, "350000.00", 2)
    assert b1["churn_rate"] is None


def test_erased_customer_is_anonymous_and_still_counted():
    erased = [f for f in population() if str(f["customer_id"]).startswith("anon-")]
    assert erased and not any(f["customer_id"] == "C7" for f in population())
    assert {f["kind"] for f in erased} == {"snapshot", "tier", "assignment"}

"""Done-when of issue 20: a population published over two quarters with a plain AMQP
client, and `crm kpi --json` gives exactly the figures computed by hand.

Branch KPA (KP-M1 branch director, KP-M2 lobby manager):
  C1 150,000 (M1, product A) -> Q4 300,000, products A+B: branch -> financial band, 3 -> 4
     stars: an upgrade; M1 keeps the customer (no forced migration);
  C2 110,000 (M1, A) -> Q4 20,000: mass band, released: churned;
  C3 120,000 (M2) -> M2 leaves on the test day, C3 moves to M1 (a transfer) -> Q4 130,000, A;
  C4 won in Q4 by M1: 180,000, products A+B+C.
Branch KPB (KP-M3, KP-M4 financial managers):
  C5 500,000 (M3, A) and C6 250,000 (M4, D: a namesake without ID, apart from C5) are
     merged in Q4 by a record carrying C5's ID and C6's phone: 600,000, products A+D;
     C6's history is restated into C5 (survivor, M3);
  C7 220,000 (M3) is erased in Q4: an anonymous customer who left the bank.

The current quarter by hand (start = state on its first day, end = now):
  KPA: start C1 C2 C3 = 3, end C1 C3 C4 = 3, churned C2 = 1, upgraded C1 = 1, products
       2+1+3 = 6 (coverage 2.0; 2 hold two or more), won C4 = 1, assets 380,000 ->
       610,000, mid/high-end 0 -> 1 (C1 financial);
  KPB: start C5(+C6) C7 = 2, end C5 = 1, churned C7 = 1, products A+D = 2, assets
       720,000 -> 600,000, mid/high-end 2 -> 1.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from reporting.domain.periods import quarter_of
from tests.tiering.helpers import national_id, name

pytestmark = pytest.mark.integration
# "Q4" is the current quarter, "Q3" the one before (2026Q4 and 2026Q3 when written): the
# departure and the erasure happen today, so the data is dated around today's quarter.
CURRENT = quarter_of(date.today())
PREVIOUS = quarter_of(CURRENT.start - timedelta(days=1))
Q3, Q4 = (CURRENT.start - timedelta(days=1)).isoformat(), CURRENT.start.isoformat()


def record(n: int, branch: str, assets: int, manager: str, as_of: str, products: list[str],
           source: str = "core", ext: str | None = None, with_id: bool = True,
           phone: str | None = None, birth_date: str = "1980-01-01",
           registered_at: str = "2025-01-01T09:00:00") -> dict:
    out = {"source": source, "external_id": ext or f"{branch}-{n}", "name": name(n),
           "phones": [phone or f"135{n:08d}"], "branch": branch, "registered_by": manager,
           "registered_at": registered_at, "birth_date": birth_date,
           "financials": {"avg_daily_assets": assets, "has_relationship": True, "as_of": as_of},
           "products": [{"code": code} for code in products]}
    if with_id:
        out["national_id"] = national_id(n)
    return out


def customer_of(stack, source: str, external_id: str) -> str:
    for cluster in stack.crm_json("export", "clusters"):
        if {"source": source, "external_id": external_id} in cluster["members"]:
            return cluster["customer_id"]
    raise AssertionError(f"no customer holds {source}:{external_id}")


def kpi(stack, *args: str) -> list[dict]:
    return stack.crm_json("kpi", *args, "--json")


def rate(part: int, whole: int):
    return round(part / whole, 4) if whole else None


def row(branch, start, end, churned, upgraded, products, with_min, won, assets_start,
        assets_end, mid_high, **extra) -> dict:
    return {"branch": branch, **extra, "maintained_start": start, "maintained_end": end,
            "churned": churned, "churn_rate": rate(churned, start), "upgraded": upgraded,
            "upgrade_rate": rate(upgraded, start), "products_held": products,
            "product_coverage": rate(products, end), "min_products": 2,
            "with_min_products": with_min, "customers_won": won,
            "customer_growth": end - start, "assets_start": f"{assets_start}.00",
            "assets_end": f"{assets_end}.00", "asset_growth": f"{assets_end - assets_start}.00",
            "mid_high_grown": mid_high}


@pytest.fixture(scope="module")
def population(stack):
    for mid, role, branch in (("KP-M1", "branch_director", "KPA"), ("KP-M2", "lobby_manager", "KPA"),
                              ("KP-M3", "financial_manager", "KPB"),
                              ("KP-M4", "financial_manager", "KPB")):
        stack.crm("managers", "add", "--id", mid, "--name", f"Staff {mid}", "--role", role,
                  "--branch", branch, "--capacity", "10")
    c5_phone, c6_phone = "13500000605", "13500000606"
    stack.publish([record(601, "KPA", 150000, "KP-M1", Q3, ["A"]),
                   record(602, "KPA", 110000, "KP-M1", Q3, ["A"]),
                   record(603, "KPA", 120000, "KP-M2", Q3, []),
                   record(605, "KPB", 500000, "KP-M3", Q3, ["A"], phone=c5_phone),
                   record(605, "KPB", 250000, "KP-M4", Q3, ["D"], source="branchapp",
                          ext="app-605", with_id=False, phone=c6_phone,
                          birth_date="1985-05-05", registered_at="2025-06-01T09:00:00"),
                   record(607, "KPB", 220000, "KP-M3", Q3, [])])
    stack.drain(timeout=600)
    stack.crm("managers", "deactivate", "KP-M2", "--yes")
    stack.drain(timeout=600)
    stack.publish([record(601, "KPA", 300000, "KP-M1", Q4, ["A", "B"]),
                   record(602, "KPA", 20000, "KP-M1", Q4, ["A"]),
                   record(603, "KPA", 130000, "KP-M2", Q4, ["A"]),
                   record(604, "KPA", 180000, "KP-M1", Q4, ["A", "B", "C"]),
                   record(605, "KPB", 600000, "KP-M3", Q4, ["A", "D"], source="cards",
                          ext="card-605", phone=c6_phone, birth_date="1985-05-05",
                          registered_at="2026-11-30T09:00:00")])
    stack.drain(timeout=600)
    erased = customer_of(stack, "core", "KPB-607")
    stack.crm("erase", erased, "--by", "KP-DPO", "--reason", "customer request", "--yes")
    stack.drain(timeout=600)
    return erased


KPA = row("KPA", 3, 3, 1, 1, 6, 2, 1, 380000, 610000, 1)
KPB = row("KPB", 2, 1, 1, 0, 2, 1, 0, 720000, 600000, -1)


def test_branch_kpis_are_the_hand_computed_figures(stack, population):
    rows = {r["branch"]: r for r in kpi(stack, "--period", CURRENT.label, "--by", "branch")}
    assert rows["KPA"] == KPA
    assert rows["KPB"] == KPB
    assert kpi(stack, "--period", CURRENT.label, "--by", "branch", "--branch", "KPB") == [KPB]


def test_maintainer_kpis_credit_the_holder_and_restate_the_merge(stack, population):
    rows = kpi(stack, "--period", CURRENT.label, "--by", "maintainer", "--branch", "KPA")
    assert rows == [
        row("KPA", 2, 3, 1, 1, 6, 2, 1, 260000, 610000, 1, maintainer_id="KP-M1"),
        row("KPA", 1, 0, 0, 0, 0, 0, 0, 120000, 0, 0, maintainer_id="KP-M2")]
    kpb = kpi(stack, "--period", CURRENT.label, "--by", "maintainer", "--branch", "KPB")
    assert kpb == [{**KPB, "maintainer_id": "KP-M3"}]   # C6 (KP-M4's) is restated into C5


def test_a_closed_quarter_is_kept_until_recomputed(stack, population):
    """The previous quarter is closed: the data published since is late for it."""
    recomputed = {r["branch"]: r for r in
                  kpi(stack, "--period", PREVIOUS.label, "--by", "branch", "--recompute")}
    assert recomputed["KPA"] == row("KPA", 0, 3, 0, 0, 2, 0, 3, 0, 380000, 0)
    kept = {r["branch"]: r for r in kpi(stack, "--period", PREVIOUS.label, "--by", "branch")}
    assert kept["KPA"] == recomputed["KPA"]


def test_the_erased_customer_left_no_trace_but_its_figures(stack, population):
    facts = stack.db("reporting")["facts"]
    assert facts.count_documents({"customer_id": population}) == 0
    assert facts.count_documents({"customer_id": {"$regex": "^anon-"}}) > 0
    assert stack.db("reporting")["erased"].count_documents({"_id": population}) == 1


def test_the_current_quarter_gauges_show_the_branch_kpis(stack, population):
    """The reporting timer (every minute) sets the documented per-branch gauges."""
    import re
    import time
    import urllib.request
    from tools.stack.__main__ import SERVICES
    url = stack.env["METRICS_URLS"].split()[SERVICES.index("reporting")]
    wanted = {("crm_reporting_churn_ratio", "KPB"): 0.5,
              ("crm_reporting_upgrade_ratio", "KPA"): 0.3333,
              ("crm_reporting_product_coverage_ratio", "KPA"): 2.0,
              ("crm_reporting_customer_growth_customers", "KPB"): -1.0,
              ("crm_reporting_asset_growth_ratio", "KPB"): 600000 / 720000 - 1,
              ("crm_reporting_mid_high_grown_customers", "KPA"): 1.0}
    expected = {k: round(v, 4) for k, v in wanted.items()}
    deadline, seen = time.monotonic() + 240, {}  # a refresh a minute, over every fact
    while time.monotonic() < deadline:
        text = urllib.request.urlopen(url, timeout=10).read().decode()
        seen = {(name, branch): float(value) for name, branch, value in re.findall(
            r'^(crm_reporting_\w+)\{branch="(KP[AB])"\} (\S+)$', text, re.M)}
        if {k: round(seen.get(k, float("nan")), 4) for k in wanted} == expected:
            break  # gauges set by a refresh before the population was complete differ
        time.sleep(5)
    assert {k: round(seen.get(k, float("nan")), 4) for k in wanted} == \
        {k: round(v, 4) for k, v in wanted.items()}

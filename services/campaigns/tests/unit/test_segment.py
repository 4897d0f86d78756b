"""Segments: one branch, the chosen tiers and products, never a refusing customer."""
from __future__ import annotations

from datetime import date

import pytest

from campaigns.domain.follow import new_row
from campaigns.domain.segment import criteria, eligible, refused, select

TODAY = date(2026, 12, 2)


def row(cid: str, branch: str = "B1", star: str | None = "2", **extra) -> dict:
    tiers = {"star": {"current": star, "at": "t"}} if star else {}
    return {**new_row(cid), "branch": branch, "tiers": tiers, **extra}


def test_branch_star_and_consent():
    rows = [row("a"), row("b", star="3"), row("c", branch="B2"),
            row("d", consent={"marketing": False}), row("e", consent={"marketing": True}),
            row("f", consent={"do_not_call": True}), row("g", merged_into="a"),
            row("h", erased=True), row("i", star=None)]
    chosen = select(rows, criteria("B1", ["2"]), TODAY)
    assert [r["_id"] for r in chosen] == ["a", "e"]
    assert [r["_id"] for r in select(rows, criteria("B1"), TODAY)] == ["a", "b", "e", "i"]


def test_refused_means_marketing_false_or_do_not_call():
    assert refused({"consent": {"marketing": False}})
    assert refused({"consent": {"do_not_call": True}})
    assert not refused({"consent": {"marketing": None}}) and not refused({})


def test_band_and_intent():
    r = row("a", tiers={"service_band": {"current": "staff"}, "intent": {"current": "B"}})
    assert eligible(r, criteria("B1", band="staff", intents=["a", "b"]), TODAY)
    assert not eligible(r, criteria("B1", band="branch"), TODAY)
    assert not eligible(r, criteria("B1", intents=["A"]), TODAY)


def test_products_maturing_within_and_min_balance():
    products = [{"code": "TD1", "matures_on": "2026-12-20", "balance": "30000.00"},
                {"code": "CA", "matures_on": None, "balance": "25,000"}]
    r = row("a", products=products)
    assert eligible(r, criteria("B1", maturing_within=30), TODAY)
    assert not eligible(r, criteria("B1", maturing_within=10), TODAY)
    assert eligible(r, criteria("B1", min_balance="55000"), TODAY)
    assert not eligible(r, criteria("B1", min_balance="55000.01"), TODAY)
    assert not eligible(row("b"), criteria("B1", maturing_within=30), TODAY)


@pytest.mark.parametrize("kwargs", [{"branch": ""}, {"branch": "B", "stars": ["6"]},
                                    {"branch": "B", "maturing_within": -1},
                                    {"branch": "B", "min_balance": "lots"}])
def test_bad_criteria_are_refused(kwargs):
    with pytest.raises(ValueError):
        criteria(**kwargs)

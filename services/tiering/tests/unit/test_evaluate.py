"""Re-tiering one customer under every scheme (tiering.domain.evaluate)."""
from __future__ import annotations

from datetime import date
from importlib import resources

import pytest
import yaml

from tiering.domain.evaluate import evaluate
from tiering.plugins.schemes import IntentScheme, ServiceBandScheme, StarScheme

TODAY = date(2026, 11, 15)
RULES = yaml.safe_load(resources.files("tiering").joinpath("rules.yaml").read_text("utf-8"))
SCHEMES = {"star": StarScheme(), "service_band": ServiceBandScheme(), "intent": IntentScheme()}


def customer(assets, branch: str = "BJ001", willingness: str = "high") -> dict:
    return {"customer_id": "C1", "branch": branch, "birth_date": "1980-01-01",
            "financials": {"avg_daily_assets": assets, "has_relationship": True},
            "intent": {"willingness": willingness, "potential": "high"}}


def recorded_from(records) -> dict:
    return {r.scheme: {"tier": r.tier, "below_count": r.below_count} for r in records}


def run(cust, recorded=None, grace=None, new_snapshot=True, rules=RULES):
    return evaluate(cust, SCHEMES, rules, recorded or {}, TODAY, grace, new_snapshot)


def test_first_tier_is_new_with_previous_none_for_every_scheme():
    records, changes = run(customer(350000))
    assert {c.scheme: (c.previous, c.current, c.direction) for c in changes} == {
        "star": (None, "4", "new"), "service_band": (None, "financial", "new"),
        "intent": (None, "A", "new")}
    assert all(c.rules_version.startswith("2026-11-01+") for c in changes)
    assert [r.tier for r in records] == ["4", "financial", "A"]


def test_same_figures_again_change_nothing():
    records, _ = run(customer(350000))
    again, changes = run(customer(350000), recorded_from(records))
    assert changes == []
    assert [r.tier for r in again] == [r.tier for r in records]


@pytest.mark.parametrize("before, after, star, band, direction", [
    (350000, 1200000, ("4", "5"), ("financial", "financial"), "up"),
    (60000, 150000, ("3", "3"), ("staff", "branch"), "up"),
    (1200000, "299999.99", ("5", "3"), ("financial", "financial"), "down"),
    (150000, "49999.99", ("3", "2"), ("branch", "mass"), "down"),
])
def test_only_moved_schemes_change_in_the_right_direction(before, after, star, band, direction):
    records, _ = run(customer(before))
    _, changes = run(customer(after), recorded_from(records))
    expected = {}
    if star[0] != star[1]:
        expected["star"] = (star[0], star[1], direction)
    if band[0] != band[1]:
        expected["service_band"] = (band[0], band[1], direction)
    assert {c.scheme: (c.previous, c.current, c.direction) for c in changes} == expected


def test_branch_override_changes_tier_and_rules_version():
    rules = {**RULES, "branches": {"SH001": {"star": {"thresholds": {"4": 400000}}}}}
    default, _ = run(customer(350000, "BJ001"), rules=rules)
    override, _ = run(customer(350000, "SH001"), rules=rules)
    assert (default[0].tier, override[0].tier) == ("4", "3")
    assert default[0].rules_version != override[0].rules_version
    assert default[1].rules_version == override[1].rules_version  # band untouched


def test_versions_shared_over_a_batch_are_those_each_customer_gets_alone():
    """One memo for a batch of customers of several branches: every record keeps the
    rules version (and tier) it gets when evaluated alone, branch overrides included."""
    rules = {**RULES, "branches": {"SH001": {"star": {"thresholds": {"4": 400000}}}}}
    batch = [customer(350000, "BJ001"), customer(350000, "SH001"), customer(90000, "BJ001"),
             customer(350000, None), customer(350000, "SH001")]
    versions: dict = {}
    shared = [evaluate(c, SCHEMES, rules, {}, TODAY, versions=versions) for c in batch]
    assert shared == [run(c, rules=rules) for c in batch]
    assert shared[0][0][0].rules_version != shared[1][0][0].rules_version
    assert set(versions) == {(s, b) for s in SCHEMES for b in ("BJ001", "SH001", None)}


def test_grace_keeps_tier_for_n_low_snapshots_then_demotes():
    records, _ = run(customer(350000))
    recorded = recorded_from(records)
    for low in (1, 2):
        kept, changes = run(customer(100000), recorded, grace={"star": 2})
        assert changes == [c for c in changes if c.scheme != "star"]
        assert kept[0].tier == "4" and kept[0].below_count == low
        assert "grace" in kept[0].reason
        recorded = recorded_from(kept)
    demoted, changes = run(customer(100000), recorded, grace={"star": 2})
    star = [c for c in changes if c.scheme == "star"]
    assert [(c.previous, c.current, c.direction) for c in star] == [("4", "3", "down")]
    assert demoted[0].below_count == 0


def test_recovery_resets_the_grace_counter():
    records, _ = run(customer(350000))
    low, _ = run(customer(100000), recorded_from(records), grace={"star": 1})
    back, changes = run(customer(350000), recorded_from(low), grace={"star": 1})
    assert back[0].below_count == 0 and not [c for c in changes if c.scheme == "star"]
    low_again, changes = run(customer(100000), recorded_from(back), grace={"star": 1})
    assert low_again[0].tier == "4", "one low snapshot after recovery is within grace"


def test_recompute_of_same_snapshot_does_not_advance_grace():
    records, _ = run(customer(100000))
    recorded = recorded_from(records)
    recorded["star"] = {"tier": "4", "below_count": 1}
    for _ in range(3):
        again, changes = run(customer(100000), recorded, grace={"star": 2}, new_snapshot=False)
        assert again[0].tier == "4" and again[0].below_count == 1
        assert not [c for c in changes if c.scheme == "star"]


def test_recompute_without_grace_demotes_at_once():
    records, _ = run(customer(350000))
    rules = {**RULES, "schemes": {**RULES["schemes"],
                                  "star": {"thresholds": {"3": 50000, "4": 400000, "5": 1000000}}}}
    _, changes = run(customer(350000), recorded_from(records), new_snapshot=False, rules=rules)
    assert [(c.scheme, c.previous, c.current, c.direction) for c in changes] == [
        ("star", "4", "3", "down")]

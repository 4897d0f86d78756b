"""A batch of snapshots decided as if one by one (tiering.domain.batch), no I/O."""
from __future__ import annotations

from datetime import date
from importlib import resources

import yaml

from tiering.domain.batch import Arrival, plan_batch
from tiering.domain.evaluate import evaluate
from tiering.plugins.schemes import IntentScheme, ServiceBandScheme, StarScheme

TODAY = date(2026, 11, 15)
RULES = yaml.safe_load(resources.files("tiering").joinpath("rules.yaml").read_text("utf-8"))
SCHEMES = {"star": StarScheme(), "service_band": ServiceBandScheme(), "intent": IntentScheme()}


def classify(customer, recorded):
    return evaluate(customer, SCHEMES, RULES, recorded, TODAY, {"star": 0})


def snap(cid: str, assets: float, revision: int) -> dict:
    return {"customer_id": cid, "branch": "BJ001", "revision": revision,
            "birth_date": "1980-01-01", "intent": {"willingness": "high", "potential": "high"},
            "financials": {"avg_daily_assets": assets, "has_relationship": True}}


def moves(plan, scheme="star"):
    return [(r.customer_id, c.previous, c.current) for r in plan.retiered
            for c in r.changes if c.scheme == scheme]


def test_two_snapshots_of_one_customer_move_in_turn_and_the_last_is_kept():
    plan = plan_batch([Arrival(snap("C1", 350000, 1), "e1"), Arrival(snap("C1", 1200000, 2), "e2")],
                      {}, {}, classify)
    assert moves(plan) == [("C1", None, "4"), ("C1", "4", "5")]
    assert plan.snapshots["C1"]["revision"] == 2
    assert [r.tier for r in plan.final["C1"][1] if r.scheme == "star"] == ["5"]


def test_an_older_revision_arriving_after_a_newer_one_is_ignored():
    plan = plan_batch([Arrival(snap("C1", 1200000, 3), "e2"), Arrival(snap("C1", 350000, 2), "e1")],
                      {"C1": {"revision": 1}}, {}, classify)
    assert moves(plan) == [("C1", None, "5")]
    assert plan.snapshots["C1"]["revision"] == 3


def test_a_stored_newer_snapshot_or_an_erasure_wins_over_the_batch():
    plan = plan_batch([Arrival(snap("C1", 350000, 1), "e1"), Arrival(snap("C2", 350000, 5), "e2")],
                      {"C1": {"revision": 2}, "C2": {"revision": 1, "erased": True}}, {}, classify)
    assert plan.retiered == [] and plan.snapshots == {}


def test_a_merge_removes_the_absorbed_tiers_and_retiers_the_survivor():
    had = {"star": {"scheme": "star", "tier": "3", "rules_version": "v", "branch": "BJ001"}}
    plan = plan_batch([Arrival(snap("C1", 350000, 2), "m1", absorbed_ids=("C9",))],
                      {"C1": {"revision": 1}}, {"C9": had}, classify)
    assert [(r.customer_id, r.merged_into, r.had["tier"]) for r in plan.removals] == \
        [("C9", "C1", "3")]
    assert plan.merged == {"C9": "C1"} and "C9" not in plan.final
    assert moves(plan) == [("C1", None, "4")]

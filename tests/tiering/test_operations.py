"""What operators use: explain, stats, export, rules reload + recompute, metrics."""
from __future__ import annotations

import re
import time
import urllib.request
from importlib import resources

import pytest

from .helpers import events_before_marker, moves, person, tier_events

pytestmark = pytest.mark.integration
PACKAGED = resources.files("tiering").joinpath("rules.yaml").read_text("utf-8")


@pytest.fixture(scope="module")
def pool(stack):
    """TO01: three customers; TO02: one with the same assets as the mover in TO01."""
    subscriber = stack.subscribe("tiering.events", "tier.changed")
    try:
        for n, branch, assets in ((201, "TO01", 350000), (202, "TO01", 500000),
                                  (203, "TO01", 120000), (204, "TO02", 350000)):
            stack.publish(person(n, branch, assets))
        created = tier_events(subscriber, {"TO01", "TO02"}, 12)
    finally:
        subscriber.close()
    by_star = {}
    for event in created:
        if event["scheme"] == "star":
            by_star.setdefault((event["branch"], event["current"]), []).append(event["customer_id"])
    assert len({e["customer_id"] for e in created}) == 4
    return {"mover": by_star[("TO01", "4")], "other": by_star[("TO02", "4")][0]}


def test_explain_shows_tier_reason_version_and_history(stack, pool):
    customer_id = pool["other"]
    out = stack.crm("explain", customer_id).stdout
    assert re.search(r"star: 4 +\[rules 2026-11-01\+[0-9a-f]{10}\]", out), out
    assert re.search(r"service_band: financial", out) and re.search(r"intent: A", out)
    assert out.count("why: ") == 3 and "300" in out
    history = out[out.index("history"):]
    assert len([line for line in history.splitlines() if " new " in line]) == 3, history
    missing = stack.crm("explain", "C-does-not-exist", check=False)
    assert missing.returncode == 1 and "no tiers" in missing.stderr


def test_stats_count_customers_per_tier_and_moves(stack, pool):
    stats = stack.crm_json("tiers", "stats", "--branch", "TO01", "--json")[0]
    star = {r["tier"]: r["customers"] for r in stats["tiers"] if r["scheme"] == "star"}
    assert star == {"4": 2, "3": 1}
    new = {r["scheme"]: r["count"] for r in stats["moves"] if r["direction"] == "new"}
    assert new == {"star": 3, "service_band": 3, "intent": 3}


def test_export_tiers_lines(stack, pool):
    lines = stack.crm_json("export", "tiers")
    assert all(set(line) == {"customer_id", "scheme", "tier"} for line in lines)
    mine = {(l["customer_id"], l["scheme"]): l["tier"] for l in lines}
    assert mine[(pool["other"], "star")] == "4"
    assert len(lines) == len(mine), "one line per customer and scheme"


def test_invalid_rules_are_refused_and_old_kept(stack, pool, tmp_path):
    before = stack.crm_json("tiers", "rules")
    bad = tmp_path / "bad.yaml"
    bad.write_text(PACKAGED.replace('"4": 300000', '"4": 30000'))  # below "3": not increasing
    result = stack.crm("tiers", "reload", "--file", str(bad), check=False)
    assert result.returncode == 1
    assert "invalid tiering rules" in result.stderr and "must be greater than" in result.stderr
    assert stack.crm_json("tiers", "rules") == before


def test_threshold_change_recompute_moves_only_affected(stack, pool, tmp_path):
    subscriber = stack.subscribe("tiering.events", "tier.changed")
    rules = tmp_path / "rules.yaml"
    rules.write_text(PACKAGED.replace('version: "2026-11-01"', 'version: "2026-11-15"').replace(
        "branches: {}", 'branches:\n  "TO01":\n    star:\n      thresholds: {"4": 400000}\n'))
    try:
        stack.crm("tiers", "reload", "--file", str(rules))
        assert stack.crm_json("tiers", "rules")[0]["branches"] == ["TO01"]
        out = stack.crm("tiers", "recompute", "--page", "2").stdout
        down = tier_events(subscriber, _all_branches(stack), 1)
        mover = [c for c in pool["mover"] if _star(stack, c) == "3"]
        assert len(mover) == 1
        assert moves(down) == {(mover[0], "star"): ("4", "3", "down")}
        assert down[0]["rules_version"].startswith("2026-11-15+")
        assert '"changes": 1' in out
        assert stack.crm("tiers", "recompute").stdout.count('"changes": 0') == 1
        assert events_before_marker(stack, subscriber, _all_branches(stack)) == []
    finally:
        packaged = tmp_path / "packaged.yaml"
        packaged.write_text(PACKAGED)
        stack.crm("tiers", "reload", "--file", str(packaged))
        stack.crm("tiers", "recompute", "--branch", "TO01")
        back = tier_events(subscriber, {"TO01"}, 1)
        subscriber.close()
    assert [(e["previous"], e["current"], e["direction"]) for e in back] == [("3", "4", "up")]


def test_gauge_counts_customers_per_scheme_tier_branch(stack, pool):
    url = next(u for u in stack.env["METRICS_URLS"].split() if str(_port(stack)) in u)
    wanted = re.compile(r'crm_tiering_customers\{branch="TO01",scheme="star",tier="4"\} 2\.0')
    # the gauge counts one slice of the pool per 5 s tick: a whole sweep takes 80 s
    deadline, text = time.monotonic() + 150, ""
    while time.monotonic() < deadline:
        text = urllib.request.urlopen(url, timeout=5).read().decode()
        if wanted.search(text):
            break
        time.sleep(3)
    assert wanted.search(text), [l for l in text.splitlines() if "crm_tiering_customers{" in l]
    assert re.search(r'crm_tiering_moved_ratio\{branch="TO01",direction="up",scheme="star",'
                     r'window_days="30"\}', text)
    assert re.search(r'crm_tiering_moves_total\{branch="TO01",direction="new",scheme="star"\} 3',
                     text)


def _star(stack, customer_id: str) -> str:
    return stack.crm_json("explain", customer_id, "--json")[0]["tiers"]["star"]["tier"]


def _all_branches(stack) -> set:
    """Every branch in the pool: a recompute must not move anyone anywhere else."""
    with stack.rpc() as proxy:
        rows = proxy.tiering.export_tiers(None, 0, 100000)
    return {r.get("branch") for r in rows} | {None}


def _port(stack) -> int:
    import json
    return json.loads((stack.base / "ports.json").read_text())["tiering"]

"""The bench's targets table and documents per customer (pure: figures set by hand)."""
from __future__ import annotations

from tools.bench import documents, targets
from tools.bench.cpusampler import CpuSampler


def listed(**changes) -> dict:
    figures = {"rows": 100_000, "assigned": 57_800, "seconds": 600.0, "complete": False,
               "early_ms": 9.8, "late_ms": 9.6, "cpu_all": {"db": 12.0, "svc": 7.5},
               "rss": {"tiering": 76.0, "dedup": 168.0, "mongo-dedup": 647.0},
               "rss_half": {"tiering": 72.0, "dedup": 126.0, "mongo-dedup": 106.0}}
    return {**figures, **changes}


def rows_of(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("| ") and "needed" not in line]


def test_a_missed_ratio_says_the_cpu_budget_it_needs_and_what_the_cost_allows():
    lines = targets.lines(354.3, 128.6, 1.02, 15.1, 2)
    ratio, p99 = rows_of(lines)
    assert ratio == ("| pipeline at least 0.5 x the floor | 177.2 customers/s | "
                     "128.6 customers/s | **missed** |")
    assert p99.endswith("| 1.02 s | met |")
    why = lines[-2]
    assert "at most 11.3 ms of CPU per customer on 2 cores" in why
    assert "2,000-customer run cost 15.1 ms per customer, which allows at most 132" in why


def test_met_targets_need_no_explanation():
    lines = targets.lines(200.0, 120.0, 2.5, 15.0, 2)
    ratio, p99 = rows_of(lines)
    assert ratio.endswith("| met |") and p99.endswith("| 2.50 s | **missed** |")
    assert lines[-1] == "" and lines[-2].startswith("| ")


def test_the_list_rows_and_why_it_missed_ten_minutes():
    lines = targets.lines(354.3, 128.6, 1.02, 15.1, 2, listed())
    rows = rows_of(lines)
    assert rows[2] == ("| 100,000-row list in under 10 minutes | 166.7 customers/s | "
                       "96.3 customers/s (57,800 assigned in 600 s) | **missed** |")
    assert rows[3].endswith("| at most 1.5 | 0.98 | met |")
    # the databases' caches are not the services' memory: dedup grew most (168 / 126)
    assert rows[4].endswith("| at most 1.5 | 1.33 (dedup, 168 MB) | met |")
    assert "at most 12.0 ms of CPU per customer; it cost 19.5 ms" in lines[-2]
    assert "allows at most 103 customers/s" in lines[-2]


def test_a_list_done_in_time_is_met_and_growth_beyond_the_bar_is_missed():
    lines = targets.lines(200.0, 120.0, 1.0, 15.0, 2,
                          listed(assigned=100_000, seconds=590.0, complete=True, late_ms=16.0,
                                 rss_half={"tiering": 40.0, "dedup": 126.0}))
    rows = rows_of(lines)
    assert rows[2].endswith("| met |")
    assert rows[3].endswith("| 1.63 | **missed** |")
    assert rows[4].endswith("| 1.90 (tiering, 76 MB) | **missed** |")
    assert not any("The list needs" in line for line in lines)


def test_a_shorter_list_is_held_to_the_rate_of_the_target_list():
    slow = rows_of(targets.lines(200.0, 120.0, 1.0, 15.0, 2, listed(
        rows=3000, assigned=3000, seconds=23.0, complete=True)))[2]
    assert slow.startswith("| 3,000-row list at that list's rate (100,000 in 10 minutes) | "
                           "166.7 customers/s | 130.4 customers/s")
    assert slow.endswith("| **missed** |")
    fast = rows_of(targets.lines(200.0, 120.0, 1.0, 15.0, 2, listed(
        rows=3000, assigned=3000, seconds=17.0, complete=True)))[2]
    assert fast.endswith("| met |")


def test_budget_per_customer_follows_the_cores():
    assert targets.budget_ms(100.0, 2) == 20.0
    assert targets.budget_ms(0.0, 2) == float("inf")


def test_documents_per_customer_most_first_unchanged_collections_left_out():
    before = {"crm_tiering.tiers": 900, "crm_dedup.claims": 0, "crm_x.meta": 1}
    after = {"crm_tiering.tiers": 6900, "crm_dedup.claims": 5000, "crm_x.meta": 1,
             "crm_reporting.facts": 10000}
    line = documents.lines(before, after, 2000)[0]
    assert line == ("Documents added per customer in that run: 10.5 in all; "
                    "crm_reporting.facts 5.00, crm_tiering.tiers 3.00, crm_dedup.claims 2.50")
    assert documents.lines(after, after, 2000) == []


def test_peak_memory_at_the_first_sample_that_reached_a_count():
    sampler = CpuSampler({}, lambda: 0)
    assert sampler.peak_at(10) == {}
    sampler.peaks = [(0, {"svc": 60.0}), (400, {"svc": 70.0}), (900, {"svc": 90.0})]
    assert sampler.peak_at(400) == {"svc": 70.0}
    assert sampler.peak_at(401) == {"svc": 90.0}
    assert sampler.peak_at(5000) == {"svc": 90.0}  # never reached: the last one


def test_the_whole_lists_cost_runs_from_the_first_sample_to_the_last():
    sampler = CpuSampler({}, lambda: 0)
    sampler.samples = [(0.0, 0, {"db": 0.0}), (20.0, 100, {"db": 3.0}),
                       (40.0, 400, {"db": 6.0})]
    assert sampler.overall() == {"db": 15.0}
    sampler.samples = [(0.0, 0, {"db": 0.0}), (20.0, 0, {"db": 1.0})]
    assert sampler.overall() == {}

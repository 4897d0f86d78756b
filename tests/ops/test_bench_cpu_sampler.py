"""The list bench's CPU sampler: CPU per customer per process between two moments, from
the samples nearest them (pure: samples set by hand, no process read)."""
from __future__ import annotations

from tools.bench.cpusampler import CpuSampler, early_late_lines


def sampler_with(samples):
    sampler = CpuSampler({}, lambda: 0)
    sampler.samples = samples
    return sampler


def test_cost_between_the_samples_nearest_each_moment():
    sampler = sampler_with([
        (0.0, 0, {"db": 0.0, "svc": 0.0}),
        (20.0, 1000, {"db": 10.0, "svc": 5.0}),
        (40.0, 1500, {"db": 30.0, "svc": 7.5}),
    ])
    early = sampler.per_customer(1.0, 19.0)  # nearest: the first two samples
    late = sampler.per_customer(21.0, 39.0)  # the last two
    assert early == {"db": 10.0, "svc": 5.0}
    assert late == {"db": 40.0, "svc": 5.0}


def test_no_cost_when_both_moments_fall_on_one_sample_or_nobody_was_assigned():
    sampler = sampler_with([(0.0, 0, {"db": 0.0}), (20.0, 0, {"db": 1.0}),
                            (40.0, 10, {"db": 2.0})])
    assert sampler.per_customer(1.0, 2.0) == {}
    assert sampler.per_customer(0.0, 20.0) == {}
    assert sampler.per_customer(20.0, 40.0) == {"db": 100.0}


def test_table_puts_the_process_whose_cost_grew_most_first():
    lines = early_late_lines({"db": 2.0, "broker": 3.0}, {"db": 6.0, "broker": 3.5})
    rows = [line for line in lines if line.startswith("| ")][1:]
    assert rows[0] == "| all processes | 5.0 | 9.5 |"
    assert rows[1].startswith("| db |") and rows[2].startswith("| broker |")
    assert early_late_lines({}, {"db": 1.0}) == []


def test_machine_speed_line_gives_both_timings_before_and_after():
    from tools.bench import calibrate
    alone, together = calibrate.reference()
    assert 0 < alone and 0 < together
    text = calibrate.line((0.2, 0.3), (0.25, 0.45))
    assert "0.20 s on one core and 0.30 s on each" in text
    assert "0.25 s and 0.45 s after it" in text

"""The bench's paired ratio: each burst against the floors measured around it."""
from __future__ import annotations

import pytest

from tools.bench.pairs import Paired


def test_each_burst_is_compared_with_the_mean_of_the_floors_around_it():
    paired = Paired(floors=(500.0, 600.0, 400.0), rates=(275.0, 260.0))
    assert paired.ratios() == [275.0 / 550.0, 260.0 / 500.0]


def test_the_reported_burst_is_the_one_of_median_ratio_not_the_fastest():
    # a fast burst next to fast floors is no better than a slow one next to slow floors
    paired = Paired(floors=(600.0, 600.0, 400.0, 400.0), rates=(330.0, 180.0, 210.0))
    assert [round(r, 3) for r in paired.ratios()] == [0.55, 0.36, 0.525]
    assert paired.median_burst() == 2
    assert paired.floor_around(2) == 400.0


def test_an_even_number_of_bursts_reports_the_lower_middle():
    paired = Paired(floors=(500.0,) * 5, rates=(240.0, 280.0, 250.0, 270.0))
    assert paired.rates[paired.median_burst()] == 250.0


def test_every_burst_needs_a_floor_on_each_side():
    with pytest.raises(ValueError):
        Paired(floors=(500.0,), rates=(250.0,))
    with pytest.raises(ValueError):
        Paired(floors=(500.0,), rates=())


def test_the_line_shows_every_pair_and_which_one_the_table_reports():
    line = Paired(floors=(500.0, 600.0, 400.0), rates=(275.0, 260.0)).line()
    assert "275.0 / 550.0 = 0.50" in line and "260.0 / 500.0 = 0.52" in line
    assert "500.0, 600.0, 400.0" in line and "burst 1" in line

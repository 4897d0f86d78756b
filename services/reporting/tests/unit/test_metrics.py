import math

from reporting import metrics


def test_asset_growth_ratio_and_gauges_of_a_branch_row():
    assert metrics.asset_growth_ratio("380000.00", "610000.00") == 230000 / 380000
    assert metrics.asset_growth_ratio("0.00", "10.00") is None
    metrics.observe([{"branch": "UT1", "churn_rate": 0.25, "upgrade_rate": None,
                      "product_coverage": 2.0, "customer_growth": -1,
                      "assets_start": "100.00", "assets_end": "150.00", "mid_high_grown": 3}])
    assert metrics.CHURN.labels("UT1")._value.get() == 0.25
    assert math.isnan(metrics.UPGRADE.labels("UT1")._value.get())
    assert metrics.ASSETS.labels("UT1")._value.get() == 0.5
    assert metrics.GROWTH.labels("UT1")._value.get() == -1

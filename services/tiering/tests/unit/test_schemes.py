"""Built-in schemes: every boundary of star, service_band and intent."""
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from tiering.domain.rules import effective_params
from tiering.plugins.schemes import (
    BUILTIN_SCHEMES,
    IntentScheme,
    ServiceBandScheme,
    StarScheme,
    age_on,
    has_business,
    intent_level,
)

TODAY = date(2026, 11, 1)
STAR = StarScheme()
BAND = ServiceBandScheme()
INTENT = IntentScheme()


def customer(birth_date="1990-01-01", **financials):
    return {
        "customer_id": "c1",
        "branch": "BJ001",
        "kind": "person",
        "birth_date": birth_date,
        "financials": financials,
        "intent": {},
    }


def star(assets, relationship=True, params=None):
    c = customer(avg_daily_assets=assets, has_relationship=relationship)
    return STAR.classify(c, params or {}, TODAY)


def band(assets=None, birth_date="1990-01-01", params=None, **other):
    c = customer(birth_date=birth_date, avg_daily_assets=assets, has_relationship=True, **other)
    return BAND.classify(c, params or {}, TODAY)


def intent(willingness=None, potential=None, params=None, **extra):
    c = customer()
    c["intent"] = {"willingness": willingness, "potential": potential}
    return INTENT.classify(c, params or {}, TODAY)


# ---------------------------------------------------------------- registry


def test_builtin_registry_and_tier_order():
    assert BUILTIN_SCHEMES == {"star": StarScheme, "service_band": ServiceBandScheme, "intent": IntentScheme}
    assert StarScheme.tiers == ("1", "2", "3", "4", "5")
    assert ServiceBandScheme.tiers == ("mass", "staff", "branch", "financial", "private")
    assert IntentScheme.tiers == ("D", "C", "B", "A")
    assert {cls.name for cls in BUILTIN_SCHEMES.values()} == set(BUILTIN_SCHEMES)


# ---------------------------------------------------------------- star


@pytest.mark.parametrize(
    "assets, expected",
    [
        (0, "2"),
        ("49999.99", "2"),
        (50000, "3"),
        ("299999.99", "3"),
        (300000, "4"),
        ("999999.99", "4"),
        (1000000, "5"),
        (25000000, "5"),
    ],
)
def test_star_boundaries(assets, expected):
    assert star(assets).tier == expected


@pytest.mark.parametrize("assets, expected", [("49999.99", "2"), ("50000", "3"), ("1000000.00", "5")])
def test_star_accepts_numeric_strings(assets, expected):
    assert star(assets).tier == expected


def test_money_must_not_arrive_as_a_float():
    """A float in tiering means an amount lost its exactness on the way: refused."""
    with pytest.raises(TypeError):
        star(49999.99)
    with pytest.raises(TypeError):
        band(60000.5)
    assert star(Decimal("1234567.89")).figures["avg_daily_assets"] == "1234567.89"


def test_a_flag_must_arrive_as_a_boolean():
    with pytest.raises(TypeError):
        star(60000, relationship="是")  # words are parsed once, at intake


@pytest.mark.parametrize("relationship, assets, expected", [
    (True, None, True), (False, Decimal("500000"), False), (None, Decimal("0.01"), True),
    (None, Decimal("0.00"), False), (None, None, False)])
def test_has_business_is_tierings_rule(relationship, assets, expected):
    assert has_business(relationship, assets) is expected


def test_star_reason_and_figures():
    decision = star(300000)
    assert decision.reason == "avg_daily_assets 300000.00 >= 300000 (4 star threshold)"
    assert decision.figures == {"has_relationship": True, "avg_daily_assets": "300000"}
    below = star("49999.99")
    assert below.reason == "avg_daily_assets 49999.99 < 50000 (3 star threshold)"
    assert below.figures["avg_daily_assets"] == "49999.99"


def test_star_no_relationship_is_one_star_whatever_the_assets():
    decision = star(500000, relationship=False)
    assert decision.tier == "1"
    assert decision.reason == "has_relationship is false: no business with the bank yet (1 star)"


@pytest.mark.parametrize("assets", [None, 0, "0.00"])
def test_star_unknown_relationship_and_no_assets_is_one_star(assets):
    decision = star(assets, relationship=None)
    assert decision.tier == "1"
    assert "no business with the bank yet" in decision.reason


def test_star_unknown_relationship_with_assets_uses_assets():
    assert star(60000, relationship=None).tier == "3"


def test_star_relationship_true_without_assets_is_two_star():
    decision = star(None, relationship=True)
    assert decision.tier == "2"
    assert decision.reason == "avg_daily_assets missing, treated as 0.00, < 50000 (3 star threshold)"


def test_star_missing_financials_entirely():
    decision = STAR.classify({"customer_id": "c1"}, {}, TODAY)
    assert decision.tier == "1"
    assert decision.figures == {"has_relationship": None, "avg_daily_assets": None}


def test_star_per_branch_override_moves_boundary_for_that_branch_only():
    rules = {
        "version": "v",
        "schemes": {"star": StarScheme.default_params},
        "branches": {"BJ001": {"star": {"thresholds": {"3": 40000}}}},
    }
    bj = effective_params(rules, "star", "BJ001")
    other = effective_params(rules, "star", "SH002")
    assert star(40000, params=bj).tier == "3"
    assert star("39999.99", params=bj).tier == "2"
    assert star(40000, params=other).tier == "2"
    assert star(300000, params=bj).tier == "4"  # the other thresholds are untouched
    assert star(40000, params=bj).reason == "avg_daily_assets 40000.00 >= 40000 (3 star threshold)"


def test_star_rejects_broken_thresholds_at_classify_time():
    with pytest.raises(ValueError):
        star(100, params={"thresholds": {"3": "lots"}})


@given(
    st.decimals(min_value=0, max_value=10**8, places=2, allow_nan=False),
    st.decimals(min_value=0, max_value=10**8, places=2, allow_nan=False),
)
def test_star_is_monotone_in_assets(a, b):
    low, high = sorted((a, b))
    assert int(star(str(low)).tier) <= int(star(str(high)).tier)


# ---------------------------------------------------------------- service band: assets


@pytest.mark.parametrize(
    "assets, expected",
    [
        ("49999.99", "mass"),  # not eligible by anything
        (50000, "staff"),
        ("99999.99", "staff"),
        (100000, "branch"),
        ("199999.99", "branch"),
        (200000, "financial"),
        (2000000, "financial"),  # inclusive top of financial
        (Decimal("2000000.01"), "private"),
        ("2000000.01", "private"),
        ("50000", "staff"),
    ],
)
def test_band_asset_boundaries(assets, expected):
    assert band(assets).tier == expected


def test_band_reasons():
    assert band(2000000).reason == "avg_daily_assets 2000000.00 >= 200000 (financial threshold)"
    assert band("2000000.01").reason == "avg_daily_assets 2000000.01 > 2000000 (private threshold)"
    assert band(50000).reason == "avg_daily_assets 50000.00 >= 50000 (staff threshold); age 36 < 60"


def test_band_not_eligible_reason_names_each_criterion():
    decision = band(10000, card_level="standard")
    assert decision.tier == "mass"
    assert decision.reason.startswith("not eligible for layered maintenance (avg_daily_assets 10000.00 < 50000;")
    assert "card_level standard not in ['gold', 'platinum', 'diamond', 'black']" in decision.reason


# ---------------------------------------------------------------- service band: age


def test_age_on_birthday_edges():
    assert age_on("1966-11-02", TODAY) == 59  # 60th birthday is tomorrow
    assert age_on("1966-11-01", TODAY) == 60  # 60th birthday is today
    assert age_on(date(1966, 10, 31), TODAY) == 60
    assert age_on("2000-02-29", date(2025, 2, 28)) == 24
    assert age_on("2000-02-29", date(2025, 3, 1)) == 25
    assert age_on("1990-01-01T00:00:00", TODAY) == 36


@pytest.mark.parametrize("value", [None, "", "not a date", "1990-13-01", "2030-01-01", 19900101])
def test_age_unknown(value):
    assert age_on(value, TODAY) is None


def test_staff_age_59_day_before_60th_birthday_is_staff():
    decision = band(60000, birth_date="1966-11-02")
    assert decision.tier == "staff"
    assert decision.figures["age"] == 59


def test_staff_age_on_60th_birthday_is_mass():
    decision = band(60000, birth_date="1966-11-01")
    assert decision.tier == "mass"
    assert decision.figures["age"] == 60
    assert decision.reason.endswith("but age 60 >= 60 (staff age limit): mass")


def test_staff_unknown_age_is_treated_as_eligible():
    decision = band(60000, birth_date=None)
    assert decision.tier == "staff"
    assert "age unknown, treated as under 60" in decision.reason


def test_age_does_not_limit_higher_bands():
    assert band(100000, birth_date="1940-01-01").tier == "branch"
    assert band(3000000, birth_date="1940-01-01").tier == "private"


def test_staff_max_age_is_configurable():
    assert band(60000, birth_date="1966-11-01", params={"staff_max_age": 65}).tier == "staff"


# ---------------------------------------------------------------- service band: eligibility


@pytest.mark.parametrize(
    "field, at, below",
    [
        ("card_spend_12m", 50000, "49999.99"),
        ("loan_balance", 300000, "299999.99"),
        ("custody_margin", 10000, "9999.99"),
    ],
)
def test_each_amount_criterion_alone(field, at, below):
    eligible = band(1000, **{field: at})
    assert eligible.tier == "staff"
    assert eligible.figures["eligible_by"] == [field]
    assert f"eligible via {field} {at:.2f} >= {at}" in eligible.reason
    assert band(1000, **{field: below}).tier == "mass"


@pytest.mark.parametrize("level", ["gold", "platinum", "diamond", "black", "Gold", " BLACK "])
def test_card_level_criterion_alone(level):
    decision = band(None, card_level=level)
    assert decision.tier == "staff"
    assert decision.figures["eligible_by"] == ["card_level"]
    assert decision.figures["card_level"] == level


@pytest.mark.parametrize("level", ["standard", "silver", None, ""])
def test_lower_card_levels_are_not_eligible(level):
    assert band(None, card_level=level).tier == "mass"


def test_assets_criterion_alone():
    decision = band(50000)
    assert decision.figures["eligible_by"] == ["avg_daily_assets"]


def test_card_levels_are_configurable():
    params = {"eligibility": {"card_levels": ["platinum"]}}
    assert band(None, card_level="gold", params=params).tier == "mass"
    assert band(None, card_level="platinum", params=params).tier == "staff"


def test_eligible_floor_band_is_configurable():
    assert band(1000, card_level="gold", params={"eligible_floor_band": "branch"}).tier == "branch"


def test_eligible_floor_band_staff_still_applies_age_limit():
    decision = band(1000, birth_date="1950-01-01", card_level="gold")
    assert decision.tier == "mass"


def test_band_figures_are_non_personal_and_exact():
    decision = band("60000.50", card_spend_12m=1, loan_balance=None, custody_margin=0, card_level="gold")
    assert decision.figures == {
        "avg_daily_assets": "60000.50",
        "card_spend_12m": "1",
        "loan_balance": None,
        "custody_margin": "0",
        "card_level": "gold",
        "age": 36,
        "eligible_by": ["avg_daily_assets", "card_level"],
    }


def test_band_per_branch_override():
    rules = {
        "version": "v",
        "schemes": {"service_band": ServiceBandScheme.default_params},
        "branches": {"SH002": {"service_band": {"branch_from": 120000}}},
    }
    sh = effective_params(rules, "service_band", "SH002")
    bj = effective_params(rules, "service_band", "BJ001")
    assert band(110000, params=sh).tier == "staff"
    assert band(120000, params=sh).tier == "branch"
    assert band(110000, params=bj).tier == "branch"


def test_band_missing_everything_is_mass():
    decision = BAND.classify({}, {}, TODAY)
    assert decision.tier == "mass"
    assert decision.figures["age"] is None


# ---------------------------------------------------------------- intent


@pytest.mark.parametrize(
    "raw, level",
    [
        ("high", 3), ("Medium", 2), (" low ", 1), ("NONE", 0),
        ("高", 3), ("中", 2), ("低", 1), ("无", 0),
        (0, 0), (1, 1), (2, 2), (3, 3), ("3", 3), (2.0, 2),
        (24.99, 0), (25, 1), (49, 1), (50, 2), (74.9, 2), (75, 3), (100, 3), ("80", 3), (3.5, 0),
        (None, None), ("maybe", None), (-1, None), (101, None), (True, None), ("", None),
    ],
)
def test_intent_level_mapping(raw, level):
    assert intent_level(raw) == level


MATRIX = {
    # (willingness, potential): class
    ("high", "high"): "A",
    ("high", "medium"): "B",
    ("high", "low"): "C",
    ("high", "none"): "C",
    ("medium", "high"): "B",
    ("medium", "medium"): "B",
    ("medium", "low"): "C",
    ("low", "high"): "C",
    ("low", "medium"): "C",
    ("low", "low"): "C",
    ("low", "none"): "C",
    ("none", "high"): "D",
    ("none", "none"): "D",
}


@pytest.mark.parametrize("pair, expected", sorted(MATRIX.items()))
def test_intent_matrix(pair, expected):
    assert intent(*pair).tier == expected


def test_intent_matrix_with_chinese_and_scores():
    assert intent("高", "高").tier == "A"
    assert intent(90, 80).tier == "A"
    assert intent(2, 3).tier == "B"
    assert intent("低", 10).tier == "C"
    assert intent("无", "高").tier == "D"


def test_intent_reasons_and_figures():
    decision = intent("high", "high")
    assert decision.reason == (
        "willingness high, potential high: meets A (willingness >= high and potential >= high)"
    )
    assert decision.figures == {"willingness": "high", "potential": "high"}
    assert intent("none", "high").reason == "willingness none, potential high: no class requirement met (D)"


def test_intent_nothing_recorded_is_d():
    decision = INTENT.classify({"customer_id": "c1"}, {}, TODAY)
    assert decision.tier == "D"
    assert decision.reason == "no intent recorded (D)"
    assert decision.figures == {"willingness": None, "potential": None}


def test_intent_missing_willingness_with_potential_is_undecided_c():
    decision = intent(None, "high")
    assert decision.tier == "C"
    assert decision.reason == "willingness not recorded (undecided), potential high (C)"
    assert intent("unknown-word", "low").tier == "C"


def test_intent_missing_willingness_and_no_potential_is_d():
    assert intent(None, "none").tier == "D"


def test_intent_missing_potential_counts_as_none():
    decision = intent("high", None)
    assert decision.tier == "C"
    assert decision.reason.startswith("willingness high, potential not recorded: meets C")


def test_intent_matrix_is_configurable():
    params = {"classes": {"A": {"potential": "medium"}}, "undecided_class": "D"}
    assert intent("high", "medium", params=params).tier == "A"
    assert intent("high", "low", params=params).tier == "C"
    assert intent(None, "high", params=params).tier == "D"

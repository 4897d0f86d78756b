"""Direction of a move and downgrade grace (tiering.domain.decide)."""
import dataclasses

import pytest

from tiering.domain.decide import Decision, apply_grace, direction

STARS = ("1", "2", "3", "4", "5")
BANDS = ("mass", "staff", "branch", "financial", "private")


def test_decision_is_frozen():
    decision = Decision("3", "why", {"avg_daily_assets": "50000"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        decision.tier = "4"  # type: ignore[misc]
    assert dataclasses.asdict(decision) == {
        "tier": "3", "reason": "why", "figures": {"avg_daily_assets": "50000"}
    }


@pytest.mark.parametrize(
    "tiers, previous, current, expected",
    [
        (STARS, None, "3", "new"),
        (STARS, "3", None, "removed"),
        (STARS, "3", "4", "up"),
        (STARS, "1", "5", "up"),
        (STARS, "4", "3", "down"),
        (STARS, "3", "3", "same"),
        (STARS, None, None, "same"),
        (BANDS, "staff", "branch", "up"),
        (BANDS, "private", "financial", "down"),
        (BANDS, "mass", "mass", "same"),
        (("D", "C", "B", "A"), "D", "A", "up"),
        (("D", "C", "B", "A"), "B", "C", "down"),
    ],
)
def test_direction(tiers, previous, current, expected):
    assert direction(tiers, previous, current) == expected


def test_direction_follows_tuple_order_not_alphabet():
    # "A" > "D" in intent although "A" < "D" alphabetically.
    assert direction(("D", "C", "B", "A"), "C", "A") == "up"


def test_direction_rejects_unknown_tier():
    with pytest.raises(ValueError, match="unknown tier"):
        direction(STARS, "3", "6")
    with pytest.raises(ValueError):
        direction(STARS, None, "gold")


def test_grace_zero_demotes_immediately():
    assert apply_grace("4", "3", STARS, 0, 0) == ("3", 0)


def test_first_tier_is_recorded_as_is():
    assert apply_grace(None, "2", STARS, 0, 3) == ("2", 0)


def test_grace_two_holds_twice_then_demotes_on_third():
    tier, count = apply_grace("4", "3", STARS, 0, 2)
    assert (tier, count) == ("4", 1)
    tier, count = apply_grace(tier, "3", STARS, count, 2)
    assert (tier, count) == ("4", 2)
    tier, count = apply_grace(tier, "3", STARS, count, 2)
    assert (tier, count) == ("3", 0)


def test_grace_demotes_to_current_candidate_even_if_it_fell_further():
    assert apply_grace("5", "4", STARS, 0, 1) == ("5", 1)
    assert apply_grace("5", "2", STARS, 1, 1) == ("2", 0)


def test_same_resets_counter():
    assert apply_grace("4", "3", STARS, 0, 2) == ("4", 1)
    assert apply_grace("4", "4", STARS, 1, 2) == ("4", 0)
    # after the reset, a new dip starts counting from scratch
    assert apply_grace("4", "3", STARS, 0, 2) == ("4", 1)


def test_upgrade_is_immediate_and_resets_counter():
    assert apply_grace("3", "5", STARS, 0, 5) == ("5", 0)
    assert apply_grace("staff", "branch", BANDS, 4, 5) == ("branch", 0)


def test_negative_inputs_are_clamped():
    assert apply_grace("4", "3", STARS, -3, -1) == ("3", 0)


def test_grace_rejects_unknown_tier():
    with pytest.raises(ValueError):
        apply_grace("4", "9", STARS, 0, 1)

"""Selection keys: what `tier.changed` is also routed under, and topic matching as the
broker does it."""
import pytest

from contracts import names
from contracts.selection import (receives, selection_keys, tier_changed_keys, topic_matches,
                                 word)


def tier_changed(scheme, direction) -> dict:
    return {"scheme": scheme, "direction": direction, "customer_id": "C1"}


def test_a_tier_change_is_also_routed_by_scheme_and_direction():
    assert selection_keys(names.TIER_CHANGED, tier_changed("star", "up")) == \
        ("tier.changed.star.up",)
    assert selection_keys(names.CUSTOMER_ASSIGNED, {"customer_id": "C1"}) == ()


@pytest.mark.parametrize("value, expected", [
    ("service_band", "service_band"), ("a.b", "a_b"), ("x*#y", "x_y"), (None, "none"),
    ("", "none"), ("星级", "_")])
def test_a_value_becomes_one_routing_key_word(value, expected):
    assert word(value) == expected


def test_binding_keys_are_made_as_the_publisher_makes_its_keys():
    assert tier_changed_keys(schemes=["intent"]) == ("tier.changed.intent.*",)
    assert tier_changed_keys(directions=["up", "down"]) == ("tier.changed.*.up",
                                                            "tier.changed.*.down")
    key, = tier_changed_keys(schemes=["a.b"], directions=["up"])
    assert key == selection_keys(names.TIER_CHANGED, tier_changed("a.b", "up"))[0]


@pytest.mark.parametrize("bound, key, expected", [
    ("a.*.c", "a.b.c", True), ("a.*.c", "a.b.b.c", False), ("a.#", "a", True),
    ("a.#", "a.b.c", True), ("#.c", "a.b.c", True), ("#", "a.b", True), ("a.*", "a", False),
    ("a.b", "a.b", True), ("a.b", "a.c", False), ("*.b.#", "x.b", True), ("a.#.c", "a.c", True)])
def test_topic_matching(bound, key, expected):
    assert topic_matches(bound, key) is expected


def test_a_queue_bound_under_the_event_type_receives_every_event():
    assert receives([names.TIER_CHANGED], names.TIER_CHANGED, tier_changed("star", "new"))
    assert receives(["tier.changed.intent.*"], names.TIER_CHANGED, tier_changed("intent", "new"))
    assert not receives(["tier.changed.intent.*"], names.TIER_CHANGED,
                        tier_changed("star", "new"))

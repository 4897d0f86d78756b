"""assignment's `tier.changed` queue is bound under selection keys: every event of the
configured role scheme must still be delivered (pure: topic matching, no broker)."""
import pytest

from assignment.dependencies import followed_tier_changes, role_scheme
from assignment.domain.batch import relevant
from contracts import names
from contracts.selection import receives

SCHEMES = ("star", "service_band", "intent", "custom")
DIRECTIONS = ("new", "up", "down", "removed")


@pytest.mark.parametrize("config", [{}, {"role_scheme": "star"},
                                    {"role_scheme": "service_band"}, {"role_scheme": "custom"}])
def test_every_event_the_handler_acts_on_is_delivered(config):
    keys = followed_tier_changes(config)
    for scheme in SCHEMES:
        for direction in DIRECTIONS:
            event = {"scheme": scheme, "direction": direction, "customer_id": "C1",
                     "cause": "pipeline"}
            if relevant([event], role_scheme(config)):
                assert receives(keys, names.TIER_CHANGED, event), (config, event)


def test_intent_classes_are_not_delivered():
    assert not receives(followed_tier_changes({}), names.TIER_CHANGED,
                        {"scheme": "intent", "direction": "new", "customer_id": "C1"})

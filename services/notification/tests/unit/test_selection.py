"""notification's `tier.changed` queue is bound under selection keys: the broker must
deliver exactly the events `concerns_anyone` keeps (pure: topic matching, no broker)."""
import pytest

from contracts import names
from contracts.selection import receives
from notification.domain import triggers

SCHEMES = ("star", "service_band", "intent", "custom.scheme")
DIRECTIONS = ("new", "up", "down", "removed")


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("direction", DIRECTIONS)
def test_the_binding_delivers_exactly_what_the_handler_acts_on(scheme, direction):
    event = {"scheme": scheme, "direction": direction, "customer_id": "C1"}
    assert receives(triggers.CONCERNING, names.TIER_CHANGED, event) is \
        triggers.concerns_anyone(event)


def test_a_new_customers_first_star_and_band_are_not_delivered():
    delivered = [s for s in SCHEMES
                 if receives(triggers.CONCERNING, names.TIER_CHANGED,
                             {"scheme": s, "direction": "new"})]
    assert delivered == ["intent"]

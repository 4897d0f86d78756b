"""customer.assigned is built in one place (domain/payloads.py) for both causes."""
from __future__ import annotations

from datetime import datetime, timezone

from assignment.domain.context import Context
from assignment.domain.erasure import assigned_payload
from assignment.domain.manager import Manager
from assignment.domain.payloads import customer_assigned
from assignment.domain.unit import Unit
from contracts import names
from contracts.schemas import build_event

NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)


def test_a_move_and_an_erasure_announce_the_same_shape():
    manager = Manager(id="M1", role="wealth", branch="B1", active=True, capacity=5)
    unit = Unit({}, [manager], {}, set(), NOW)
    context = Context("C1", branch="B1", tier="financial", display={"name": "张*"})
    unit.move("C1", unit.managers["M1"], "new customer", context, "cause-1")
    moved = unit.announcements[0].payload
    assert moved == customer_assigned("C1", "M1", "wealth", None, "new customer", "B1",
                                      "financial", {"name": "张*"})
    erased = assigned_payload("C1", {"manager_id": "M1", "branch": "B1", "tier": "financial"})
    assert set(erased) == set(moved)
    assert (erased["manager_id"], erased["previous_manager_id"], erased["display"]) == \
        (None, "M1", {})
    for payload in (moved, erased):
        build_event(names.CUSTOMER_ASSIGNED, payload)  # raises when it breaks the contract

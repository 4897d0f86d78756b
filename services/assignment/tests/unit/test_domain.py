"""Pure rules of assignment: tier -> roles, what a tier change means, strategies."""
from __future__ import annotations

import pytest

from assignment.dependencies import AssignmentPolicy
from assignment.domain.context import Context
from assignment.domain.manager import Manager, utilisation
from assignment.domain.plan import ASSIGN, KEEP, NOTHING, RELEASE, plan, survivor_manager
from assignment.domain.roles import BAND_ROLES, STAR_ROLES, eligible, fairness, roles_for
from assignment.plugins.strategies import FirstRegistrant, LeastLoaded, RoundRobin, Sticky


def m(mid, load=0, capacity=10, role="financial_manager", branch="B1", active=True, **kw):
    return Manager(id=mid, load=load, capacity=capacity, role=role, branch=branch,
                   active=active, **kw)


@pytest.mark.parametrize("band,roles", [
    ("private", ["wealth_manager", "branch_president"]), ("financial", ["financial_manager"]),
    ("branch", ["branch_director", "lobby_manager"]), ("staff", ["branch_staff"]),
    ("mass", []), (None, [])])
def test_band_roles(band, roles):
    assert roles_for(band, BAND_ROLES) == roles


def test_star_mapping_is_the_alternative():
    assert roles_for("4", STAR_ROLES) == ["customer_manager"]
    assert roles_for("1", STAR_ROLES) == []


def test_eligible_only_own_branch_role_active_with_room():
    team = [m("a"), m("b", branch="B2"), m("c", role="branch_staff"), m("d", active=False),
            m("e", load=10)]
    assert [x.id for x in eligible(team, "B1", ["financial_manager"])] == ["a"]


def test_fairness_is_spread():
    assert fairness([3, 5, 4]) == 2.0 and fairness([]) == 0.0


def test_plan_new_customer_assigned():
    p = plan("financial", "new", None, BAND_ROLES)
    assert (p.action, p.roles) == (ASSIGN, ("financial_manager",))


def test_plan_upgrade_keeps_current_maintainer_even_if_role_differs():
    current = {"manager_id": "M1", "role": "financial_manager"}
    assert plan("private", "up", current, BAND_ROLES).action == KEEP


def test_plan_downgrade_moves_only_when_role_no_longer_serves():
    fm = {"manager_id": "M1", "role": "financial_manager"}
    assert plan("branch", "down", fm, BAND_ROLES).action == ASSIGN
    director = {"manager_id": "M2", "role": "lobby_manager"}
    assert plan("branch", "down", director, BAND_ROLES).action == KEEP


def test_plan_mass_releases_or_does_nothing():
    assert plan("mass", "down", {"manager_id": "M1", "role": "branch_staff"},
                BAND_ROLES).action == RELEASE
    assert plan("mass", "new", None, BAND_ROLES).action == NOTHING


def test_survivor_keeps_own_else_inherits():
    assert survivor_manager({"manager_id": "S"}, {"manager_id": "A"}) == "S"
    assert survivor_manager(None, {"manager_id": "A"}) == "A"
    assert survivor_manager(None, None) is None


def test_least_loaded_by_utilization_then_id():
    ranked = LeastLoaded().rank([m("b", 5, 10), m("a", 5, 10), m("c", 4, 5)], Context("C"))
    assert [x.id for x in ranked] == ["a", "b", "c"]


def test_round_robin_longest_ago_first():
    ranked = RoundRobin().rank([m("a", last_assigned_at="2025-01-02"),
                                m("b", last_assigned_at="2025-01-01"), m("c")], Context("C"))
    assert [x.id for x in ranked] == ["c", "b", "a"]


def test_first_registrant_goes_first_even_when_busier():
    ranked = FirstRegistrant().rank([m("a", 0), m("reg", 9)], Context("C", registered_by="reg"))
    assert [x.id for x in ranked] == ["reg", "a"]


def test_sticky_keeps_current_then_registrant():
    ranked = Sticky().rank([m("a", 0), m("reg", 3), m("cur", 8)],
                           Context("C", registered_by="reg", current_manager_id="cur"))
    assert [x.id for x in ranked] == ["cur", "reg", "a"]


def test_utilisation_is_load_over_capacity_with_zero_capacity_as_one():
    assert utilisation(3, 4) == 0.75 and utilisation(2, 0) == 2.0
    assert m("a", 5, 10).utilisation == 0.5


def test_context_keeps_the_mapping_reading_for_older_strategies():
    context = Context.of("C1", {"branch": "B1", "tier": "private", "other": 1}, "M1",
                         tier="financial")
    assert context.facts() == {"branch": "B1", "tier": "financial", "registered_by": None,
                               "display": None}
    assert context.get("current_manager_id") == "M1" and context.get("other", 7) == 7


def test_manager_reads_like_the_former_mapping_but_has_one_id():
    manager = m("a", 2, 5)
    assert (manager["load"], manager["capacity"], manager["id"]) == (2, 5, "a")
    with pytest.raises(KeyError):
        manager["_id"]


def test_manager_listing_keeps_the_rpc_fields():
    assert list(m("a", 2, 5, name="李伟").listing().items()) == [
        ("id", "a"), ("name", "李伟"), ("role", "financial_manager"), ("branch", "B1"),
        ("capacity", 5), ("active", True), ("load", 2)]


def policy():
    return AssignmentPolicy("service_band", BAND_ROLES, {}, {"*": "first_registrant"}, 800)


def test_manager_record_defaults_and_validation():
    rec = policy().manager_record({"id": " M1 ", "name": "李伟", "role": "financial_manager",
                                   "branch": "BJ001", "capacity": "", "active": "否"})
    assert rec == {"id": "M1", "name": "李伟", "role": "financial_manager", "branch": "BJ001",
                   "capacity": 800, "active": False}
    with pytest.raises(ValueError, match="unknown role"):
        policy().manager_record({"id": "x", "name": "n", "role": "boss", "branch": "b"})
    with pytest.raises(ValueError, match="missing"):
        policy().manager_record({"id": "x", "role": "branch_staff", "branch": "b"})


def test_strategy_per_tier_with_wildcard():
    assert policy().strategy_name("financial") == "first_registrant"
    p = AssignmentPolicy("service_band", BAND_ROLES, {}, {"private": "sticky"}, 800)
    assert p.strategy_name("private") == "sticky" and p.strategy_name("staff") == "least_loaded"

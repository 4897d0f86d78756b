"""Who may call an RPC (common/operators.py): pure decisions, no broker, no database."""
from datetime import date

import pytest

from common.operators import Forbidden, Grant, admit, allows, bootstrap_grant, check_operator

TODAY = date(2026, 12, 2)
VIEWER = Grant("li.wei", "op-li.wei", "viewer", None, False, 5)


def refusal(user, grant, needed="viewer"):
    with pytest.raises(Forbidden) as caught:
        admit(user, grant, needed, TODAY)
    return caught.value


def test_roles_are_ordered():
    assert allows("admin", "officer") and allows("officer", "viewer") and allows("viewer", "viewer")
    assert not allows("viewer", "officer") and not allows("officer", "admin")


def test_a_grant_that_covers_the_role_admits_the_caller():
    assert admit("op-li.wei", VIEWER, "viewer", TODAY) is VIEWER


@pytest.mark.parametrize("user, grant, needed, reason", [
    (None, VIEWER, "viewer", "unauthenticated"),
    ("", VIEWER, "viewer", "unauthenticated"),
    ("op-nobody", None, "viewer", "unknown_operator"),
    ("op-li.wei", VIEWER, "officer", "role"),
    ("op-li.wei", Grant("li.wei", "op-li.wei", "admin", None, True, 6), "viewer", "revoked"),
    ("op-li.wei", Grant("li.wei", "op-li.wei", "admin", date(2026, 12, 1)), "viewer", "expired"),
])
def test_each_refusal_says_why(user, grant, needed, reason):
    refused = refusal(user, grant, needed)
    assert refused.reason == reason and str(refused)


def test_the_last_day_of_a_grant_still_holds():
    last_day = Grant("li.wei", "op-li.wei", "officer", TODAY)
    assert admit("op-li.wei", last_day, "officer", TODAY) is last_day


def test_a_grant_travels_as_its_event_payload_and_back():
    grant = Grant("wang.fang", "op-wang.fang", "officer", date(2027, 3, 31), False, 1764633600000)
    payload = grant.payload()
    assert payload["operator"] == "wang.fang" and payload["until"] == "2027-03-31"
    assert Grant.from_payload(payload) == grant


def test_the_bootstrap_administrator_is_an_admin():
    grant = bootstrap_grant("guest")
    assert grant.role == "admin" and grant.broker_user == "guest"
    assert admit("guest", grant, "admin", TODAY) is grant


@pytest.mark.parametrize("name, role, until", [
    ("Li Wei", "viewer", None), ("li", "root", None), ("li", "viewer", "31/12/2026"), ("", "viewer", None),
])
def test_bad_operator_details_are_refused_clearly(name, role, until):
    with pytest.raises(ValueError):
        check_operator(name, role, until)


def test_good_operator_details_are_kept():
    assert check_operator("li.wei", "officer", "2027-01-31") == ("li.wei", "officer", date(2027, 1, 31))
    assert check_operator("li.wei", "admin", None) == ("li.wei", "admin", None)

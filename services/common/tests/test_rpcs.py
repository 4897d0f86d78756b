"""RPC argument checking against type hints (no broker needed)."""
from __future__ import annotations

import pytest

from common.rpcs import checked, conforms, guarded


class Service:
    def export(self, scheme: str | None = None, skip: int = 0, limit: int = 5000) -> list:
        return [scheme, skip, limit]

    def upsert(self, managers: list[dict]) -> int:
        return len(managers)


def test_conforms_to_simple_hints():
    assert conforms(None, str | None) and conforms("x", str | None)
    assert not conforms(True, int) and not conforms(2 ** 70, int) and conforms(3, float)
    assert conforms([{"a": 1}], list[dict]) and not conforms(["a"], list[dict])


def test_wrong_types_and_arity_are_value_errors_naming_the_argument():
    export = checked(Service.export)
    assert export(Service(), "star", 5) == ["star", 5, 5000]
    with pytest.raises(ValueError, match="'skip' must be int"):
        export(Service(), None, None)
    with pytest.raises(ValueError, match="export"):
        export(Service(), 1, 2, 3, 4)
    with pytest.raises(ValueError, match="'managers'"):
        checked(Service.upsert)(Service(), "not a list")


class Door:
    """The gate's door as the wrapper sees it: admits anyone, keeps the trail in a list."""

    def __init__(self, role: str = "officer") -> None:
        self.trail: list = []
        self.role = role

    def admit(self, needed, arguments):
        return type("Grant", (), {"role": self.role})()

    def record(self, arguments, outcome="started"):
        self.trail.append([outcome, dict(arguments)])
        return len(self.trail) - 1

    def finished(self, row, outcome="served"):
        self.trail[row][0] = outcome


class Audited:
    def __init__(self, door: Door) -> None:
        self.door, self.seen = door, []

    def change(self, customer_id: str) -> str:
        self.seen.append([list(row) for row in self.door.trail])  # the trail as it ran
        if customer_id == "bad":
            raise RuntimeError("database away")
        return customer_id


def test_an_audited_request_is_in_the_trail_before_it_runs_and_gets_its_outcome():
    service = Audited(Door())
    change = guarded(Audited.change, "officer", False)
    assert change(service, "c1") == "c1"
    assert service.seen == [[["started", {"customer_id": "c1"}]]]
    assert service.door.trail == [["served", {"customer_id": "c1"}]]
    with pytest.raises(RuntimeError):
        change(service, "bad")
    assert service.door.trail[1] == ["failed", {"customer_id": "bad"}]


def test_a_viewers_listing_is_audited_only_when_it_fails():
    service = Audited(Door("viewer"))
    listing = guarded(Audited.change, "viewer", False)
    assert listing(service, "c1") == "c1" and service.door.trail == []
    with pytest.raises(RuntimeError):
        listing(service, "bad")
    assert service.door.trail == [["failed", {"customer_id": "bad"}]]


def test_an_id_made_for_a_request_is_the_same_when_it_runs_again_and_only_then():
    from common.gate import Door as RealDoor
    made = RealDoor(None, "ops-anna", "calls_log", "corr-1").new_id("call-")
    assert made.startswith("call-") and len(made) == len("call-") + 16
    assert RealDoor(None, "ops-anna", "calls_log", "corr-1").new_id("call-") == made
    others = {RealDoor(None, "ops-bob", "calls_log", "corr-1").new_id("call-"),
              RealDoor(None, "ops-anna", "campaigns_create", "corr-1").new_id("call-"),
              RealDoor(None, "ops-anna", "calls_log", "corr-2").new_id("call-")}
    assert made not in others and len(others) == 3
    unnamed = RealDoor(None, "ops-anna", "calls_log", None)
    assert unnamed.new_id("call-") != unnamed.new_id("call-")  # no request id: fresh

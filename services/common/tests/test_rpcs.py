"""RPC argument checking against type hints (no broker needed)."""
from __future__ import annotations

import pytest

from common.rpcs import checked, conforms


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

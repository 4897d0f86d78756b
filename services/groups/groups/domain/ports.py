"""The grouping-rule port (entry-point group ``crm.grouping_rules``).

A rule looks at the whole relation graph of a region and returns *ties*: pairs of
parties that belong to one group, each with the rule's name and a reason a person can
read (`crm groups show` / `explain`). Groups are the connected sets of the ties of every
active rule; a rule never sees the database or the broker.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Protocol

from .graph import Graph


@dataclass(frozen=True)
class Tie:
    a: str
    b: str
    rule: str
    why: str

    def as_row(self) -> dict[str, str]:
        return {"a": self.a, "b": self.b, "rule": self.rule, "why": self.why}


class GroupingRule(Protocol):
    """What the groups service expects from a ``crm.grouping_rules`` plugin."""

    name: str

    def ties(self, graph: Graph, params: Mapping[str, Any]) -> Iterable[Tie]: ...

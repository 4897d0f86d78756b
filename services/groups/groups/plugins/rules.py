"""Built-in grouping rules (entry-point group ``crm.grouping_rules``), one per rule of
domain.md §8. Each returns ties between parties (groups.domain.ports); only known
organisations end up as group members, persons and not-yet-known parties only connect.

Parameters (config.yaml `grouping`): `control_share` (an investor holding more than it
controls, default 0.5), `lineal_generations` (3) and `collateral_degree` (2).
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from groups.domain.graph import Graph
from groups.domain.ports import Tie
from groups.domain.unionfind import UnionFind


def control_share(params: Mapping[str, Any]) -> float:
    return float(params.get("control_share", 0.5))


class ControlRule:
    """Rule 1: organisations that control one another (directly; a chain of control
    joins through its links), by an explicit `controls` / `controlled_by` or by more
    than `control_share` of the equity."""

    name = "control"

    def ties(self, graph: Graph, params: Mapping[str, Any]) -> Iterable[Tie]:
        for boss, owned, why in graph.control_pairs(control_share(params)):
            if graph.is_member_kind(boss) and graph.is_member_kind(owned):
                yield Tie(boss, owned, self.name, f"{boss} {why} {owned}")


class CommonControllerRule:
    """Rule 2: organisations controlled by the same third party (a person, an
    organisation, or a party named by key that is not a customer yet)."""

    name = "common_controller"

    def ties(self, graph: Graph, params: Mapping[str, Any]) -> Iterable[Tie]:
        controlled: dict[str, list[str]] = {}
        for boss, owned, _ in graph.control_pairs(control_share(params)):
            if graph.is_member_kind(owned):
                controlled.setdefault(boss, []).append(owned)
        for boss, owned in sorted(controlled.items()):
            yield from _chain(sorted(set(owned)), self.name, f"both controlled by {boss}")


class FamilyRule:
    """Rule 3: organisations controlled by, or with as key person, the same individual
    or close relatives of one another (spouses, lineal relatives within
    `lineal_generations`, collateral relatives within `collateral_degree`)."""

    name = "family"

    def ties(self, graph: Graph, params: Mapping[str, Any]) -> Iterable[Tie]:
        families = UnionFind()
        for e in graph.edges:
            if e.type == "relative_of" and graph.is_person(e.src) and graph.is_person(e.dst) \
                    and close_relatives(e.kinship, params):
                families.union(e.src, e.dst)
        spheres: dict[str, set[str]] = {}
        for person, org in self._influence(graph, params):
            spheres.setdefault(families.find(person), set()).add(org)
        for head, orgs in sorted(spheres.items()):
            people = sorted(families.members(head))
            yield from _chain(sorted(orgs), self.name,
                              f"controlled by the family of {', '.join(people)}")

    @staticmethod
    def _influence(graph: Graph, params: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
        for boss, owned, _ in graph.control_pairs(control_share(params)):
            if graph.is_person(boss) and graph.is_member_kind(owned):
                yield boss, owned
        for e in graph.edges:
            if e.type == "key_person" and graph.is_person(e.src) and graph.is_member_kind(e.dst):
                yield e.src, e.dst


def close_relatives(kinship: Mapping[str, Any] | None, params: Mapping[str, Any]) -> bool:
    """Spouses; lineal relatives within three generations; collateral within two."""
    if not kinship:
        return False
    line, degree = kinship.get("line"), int(kinship.get("degree") or 0)
    if line == "spouse":
        return True
    if line == "lineal":
        return 1 <= degree <= int(params.get("lineal_generations", 3))
    if line == "collateral":
        return 1 <= degree <= int(params.get("collateral_degree", 2))
    return False


class ManualRule:
    """Rule 4: other related-party ties an officer links by hand (`crm groups link`)."""

    name = "manual"

    def ties(self, graph: Graph, params: Mapping[str, Any]) -> Iterable[Tie]:
        for link in graph.links:
            yield Tie(link["a"], link["b"], self.name,
                      f"linked by {link.get('by') or 'an officer'}: {link.get('reason') or ''}")


def _chain(members: list[str], rule: str, why: str) -> Iterable[Tie]:
    """Ties joining `members` into one set (a chain is enough for connectivity)."""
    for a, b in zip(members, members[1:]):
        yield Tie(a, b, rule, why)


__all__ = ["CommonControllerRule", "ControlRule", "FamilyRule", "ManualRule",
           "close_relatives"]

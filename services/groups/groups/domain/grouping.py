"""Groups as connected sets of ties, reconciled with the groups stored before (pure).

Group ids are kept across changes: a set keeps the id of the stored group it shares
most members with (ties: the smaller id), so a member joining or leaving does not
rename the group; a stored group no set keeps is *merged* into the set that holds its
members, or *dissolved* when none does; a set that keeps no id is *formed*, or *split*
from a group another set kept. A new id is derived from the members, so every replica
and every redelivery names the same set the same.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from .graph import Graph
from .ports import GroupingRule, Tie
from .unionfind import UnionFind


@dataclass
class Component:
    members: list[str]
    ties: list[Tie]


@dataclass
class Outcome:
    """One group after the change, and what changed about it."""
    group_id: str
    members: list[str]
    ties: list[Tie]
    previous: Mapping[str, Any] | None = None
    change: str | None = None
    joined: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    merged_from: list[str] = field(default_factory=list)
    split_from: str | None = None


def components(graph: Graph, rules: Sequence[GroupingRule],
               params: Mapping[str, Any]) -> list[Component]:
    """Connected sets (two members or more) of the ties of every rule."""
    ties = [t for rule in rules for t in rule.ties(graph, params)]
    sets = UnionFind()
    for tie in ties:
        sets.union(tie.a, tie.b)
    out = []
    for members in sets.sets():
        if len(members) >= 2:
            inside = set(members)
            out.append(Component(members, [t for t in ties if t.a in inside]))
    return out


def new_group_id(members: Iterable[str]) -> str:
    return "G-" + hashlib.sha1("|".join(sorted(members)).encode()).hexdigest()[:12]


def reconcile(old_groups: Sequence[Mapping[str, Any]],
              comps: Sequence[Component]) -> tuple[list[Outcome], list[Mapping[str, Any]]]:
    """(outcomes for the sets now, stored groups dissolved)."""
    group_of = {m: g["_id"] for g in old_groups for m in g["members"]}
    old = {g["_id"]: g for g in old_groups}
    overlaps = [Counter(group_of[m] for m in c.members if m in group_of) for c in comps]
    kept: dict[int, str] = {}
    taken: set[str] = set()
    # the largest overlaps choose first, so a group keeps the id of most of its members
    ranked = sorted(((-n, gid, i) for i, counts in enumerate(overlaps)
                     for gid, n in counts.items()))
    for _, gid, i in ranked:
        if i not in kept and gid not in taken:
            kept[i], _ = gid, taken.add(gid)
    outcomes = [_outcome(c, kept.get(i), overlaps[i], taken, old)
                for i, c in enumerate(comps)]
    touched = {gid for counts in overlaps for gid in counts}
    return outcomes, [g for gid, g in sorted(old.items()) if gid not in touched]


def _outcome(comp: Component, gid: str | None, counts: Counter, taken: set[str],
             old: Mapping[str, Mapping[str, Any]]) -> Outcome:
    previous = old.get(gid) if gid else None
    out = Outcome(gid or new_group_id(comp.members), comp.members, comp.ties, previous)
    before = set(previous["members"]) if previous else set()
    out.joined = sorted(set(comp.members) - before)
    out.left = sorted(before - set(comp.members)) if previous else []
    out.merged_from = sorted(g for g in counts if g != gid and g not in taken)
    split = sorted(g for g in counts if g != gid and g in taken)
    out.split_from = split[0] if split and not gid else None
    out.change = ("merged" if out.merged_from else "split" if out.split_from
                  else "formed" if not previous else "joined" if out.joined and not out.left
                  else "left" if out.left else None)
    return out


def rule_of_member(member: str, ties: Iterable[Tie]) -> list[dict[str, str]]:
    """The ties that joined `member`: what `crm groups show` and `explain` print."""
    return [t.as_row() for t in ties if member in (t.a, t.b)]

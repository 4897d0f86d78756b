"""Disjoint sets over hashable ids (pure), with deterministic representatives."""
from __future__ import annotations

from typing import Hashable, Iterable


class UnionFind:
    def __init__(self, items: Iterable[Hashable] = ()):
        self.parent: dict = {}
        for item in items:
            self.find(item)

    def find(self, item: Hashable) -> Hashable:
        self.parent.setdefault(item, item)
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:  # path compression
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: Hashable, b: Hashable) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:  # the smaller id represents the set: the same on every replica
            low, high = sorted((ra, rb))
            self.parent[high] = low

    def members(self, root: Hashable) -> list:
        return [item for item in self.parent if self.find(item) == root]

    def sets(self) -> list[list]:
        out: dict = {}
        for item in self.parent:
            out.setdefault(self.find(item), []).append(item)
        return [sorted(v) for _, v in sorted(out.items())]

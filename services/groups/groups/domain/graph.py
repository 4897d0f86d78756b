"""The relation graph of a set of parties (pure).

A party is a golden customer as the groups service keeps it (domain.party). Each of its
relations names the other party by a party key (contracts.parties); the key resolves to
the active party that holds it, or stays a *virtual node* (the key itself) while nobody
holding it has arrived: two organisations controlled by the same not-yet-known person
still share a controller, and the group completes when that party arrives.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

ORGANIZATION = "organization"
PERSON = "person"


@dataclass(frozen=True)
class Edge:
    """`src <type> dst` with the relation's figures (share, kinship)."""
    src: str
    dst: str
    type: str
    share: float | None = None
    kinship: Mapping[str, Any] | None = None


@dataclass
class Graph:
    """Nodes (party ids and virtual keys), their kinds and the resolved edges."""
    kinds: dict[str, str] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    links: list[Mapping[str, Any]] = field(default_factory=list)
    virtual: set[str] = field(default_factory=set)

    def is_member_kind(self, node: str) -> bool:
        """Only known organisations become group members (legal entities)."""
        return self.kinds.get(node) == ORGANIZATION and node not in self.virtual

    def is_person(self, node: str) -> bool:
        return self.kinds.get(node) == PERSON

    def control_pairs(self, threshold: float) -> list[tuple[str, str, str]]:
        """(controller, controlled, why): an explicit `controls` / `controlled_by`, or an
        `investor` holding more than `threshold` of the equity."""
        out = []
        for e in self.edges:
            if e.type == "controls":
                out.append((e.src, e.dst, _why("controls", e.share)))
            elif e.type == "controlled_by":
                out.append((e.dst, e.src, _why("controls", e.share)))
            elif e.type == "investor" and e.share is not None and e.share > threshold:
                out.append((e.src, e.dst, _why("holds", e.share)))
        return out


def _why(verb: str, share: float | None) -> str:
    return verb if share is None else f"{verb} {share:.0%}"


def virtual_kind(key: str) -> str | None:
    """What a key that nobody holds yet names: a USCC an organisation, a national id a
    person; a record id is unknown until it arrives."""
    return {"uscc": ORGANIZATION, "nid": PERSON}.get(key.split(":", 1)[0])


def build_graph(parties: Iterable[Mapping[str, Any]],
                links: Iterable[Mapping[str, Any]] = ()) -> Graph:
    """The graph of active `parties` (stored party documents) and manual `links`."""
    active = [p for p in parties if p.get("active", True)]
    owner: dict[str, str] = {}
    for party in sorted(active, key=lambda p: p["_id"]):
        for key in party.get("party_keys") or []:
            owner.setdefault(key, party["_id"])
    graph = Graph(kinds={p["_id"]: p.get("kind") or PERSON for p in active})
    for party in active:
        for rel in party.get("relations") or []:
            key = rel["target_key"]
            dst = owner.get(key, key)
            if dst == party["_id"]:
                continue
            if dst == key:
                graph.kinds.setdefault(key, virtual_kind(key) or "unknown")
                graph.virtual.add(key)
            graph.edges.append(Edge(party["_id"], dst, rel["type"], rel.get("share"),
                                    rel.get("kinship_degree")))
    graph.links = [link for link in links if link["a"] in graph.kinds and
                   link["b"] in graph.kinds and not {link["a"], link["b"]} & graph.virtual]
    return graph


def neighbour_keys(party: Mapping[str, Any]) -> list[str]:
    """The keys a party's relations name (to load the parties behind them)."""
    return [rel["target_key"] for rel in party.get("relations") or []]

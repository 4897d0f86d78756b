"""The four grouping rules, connected sets and their reconciliation (pure)."""
from __future__ import annotations

from groups.dependencies import setup_from
from groups.domain.graph import build_graph
from groups.domain.grouping import components, new_group_id, reconcile
from groups.plugins.rules import close_relatives

SETUP = setup_from({"rules": ["control", "common_controller", "family", "manual"]})


def org(cid: str, *relations, keys=()) -> dict:
    return {"_id": cid, "kind": "organization", "party_keys": [f"uscc:{cid}", *keys],
            "relations": list(relations), "active": True}


def person(cid: str, *relations) -> dict:
    return {"_id": cid, "kind": "person", "party_keys": [f"nid:{cid}"],
            "relations": list(relations), "active": True}


def rel(type_: str, key: str, share=None, kinship=None) -> dict:
    return {"type": type_, "target_key": key, "share": share, "kinship_degree": kinship}


def groups_of(parties, links=()) -> list[list[str]]:
    graph = build_graph(parties, links)
    return [c.members for c in components(graph, SETUP.rules, SETUP.params)]


def test_control_by_equity_above_the_threshold_or_explicit():
    parties = [org("A", rel("investor", "uscc:B", 0.6)), org("B"),
               org("C", rel("investor", "uscc:D", 0.5)), org("D"),
               org("E", rel("controls", "uscc:F")), org("F"),
               org("G"), org("H", rel("controlled_by", "uscc:G"))]
    assert groups_of(parties) == [["A", "B"], ["E", "F"], ["G", "H"]]


def test_a_three_deep_chain_is_one_group():
    parties = [org("A", rel("controls", "uscc:B")), org("B", rel("controls", "uscc:C")),
               org("C", rel("investor", "uscc:D", 0.8)), org("D")]
    assert groups_of(parties) == [["A", "B", "C", "D"]]


def test_common_controller_even_before_it_is_known():
    parties = [org("A", rel("controlled_by", "nid:P", 0.7)),
               org("B", rel("controlled_by", "nid:P"))]
    assert groups_of(parties) == [["A", "B"]]
    assert groups_of([*parties, person("P")]) == [["A", "B"]]


def test_a_relation_to_a_party_that_arrives_later():
    a = org("A", rel("controlled_by", "rec:s:B-1"))
    assert groups_of([a]) == []
    assert groups_of([a, org("B", keys=["rec:s:B-1"])]) == [["A", "B"]]


def test_family_control_within_the_degrees():
    def family(kinship):
        return [person("P", rel("controls", "uscc:A"), rel("relative_of", "nid:Q", None, kinship)),
                person("Q", rel("key_person", "uscc:B")), org("A"), org("B")]
    assert groups_of(family({"line": "lineal", "degree": 3})) == [["A", "B"]]
    assert groups_of(family({"line": "collateral", "degree": 2})) == [["A", "B"]]
    assert groups_of(family({"line": "spouse", "degree": 0})) == [["A", "B"]]
    assert groups_of(family({"line": "lineal", "degree": 4})) == []
    assert groups_of(family({"line": "collateral", "degree": 3})) == []
    assert not close_relatives(None, {})


def test_minor_holdings_and_persons_alone_make_no_group():
    parties = [person("P", rel("investor", "uscc:A", 0.2), rel("investor", "uscc:B", 0.3)),
               org("A"), org("B")]
    assert groups_of(parties) == []


def test_manual_link_and_its_removal():
    parties = [org("A"), org("B")]
    assert groups_of(parties, [{"a": "A", "b": "B", "reason": "profits moved"}]) == [["A", "B"]]
    assert groups_of(parties) == []


def test_inactive_parties_drop_out():
    parties = [org("A", rel("controls", "uscc:B")), {**org("B"), "active": False}]
    assert groups_of(parties) == []


def comps(*sets):
    graph = build_graph([org(m) for s in sets for m in s],
                        [{"a": s[0], "b": m} for s in sets for m in s[1:]])
    return components(graph, SETUP.rules, SETUP.params)


def test_reconcile_formed_joined_merged_split_dissolved():
    outcomes, gone = reconcile([], comps(["A", "B"]))
    assert outcomes[0].change == "formed" and outcomes[0].group_id == new_group_id(["A", "B"])
    old = [{"_id": "G1", "members": ["A", "B"]}, {"_id": "G2", "members": ["C", "D", "E"]}]
    outcomes, gone = reconcile(old, comps(["A", "B", "C", "D", "E", "F"]))
    assert [(o.group_id, o.change, o.merged_from) for o in outcomes] == [("G2", "merged", ["G1"])]
    assert outcomes[0].joined == ["A", "B", "F"] and gone == []
    outcomes, gone = reconcile(old, comps(["A", "B", "X"], ["C", "D"], ["E", "Y"]))
    assert [(o.group_id, o.change) for o in outcomes] == [
        ("G1", "joined"), ("G2", "left"), (new_group_id(["E", "Y"]), "split")]
    assert outcomes[2].split_from == "G2"
    outcomes, gone = reconcile(old, comps(["A", "B"]))
    assert [o.change for o in outcomes] == [None] and [g["_id"] for g in gone] == ["G2"]

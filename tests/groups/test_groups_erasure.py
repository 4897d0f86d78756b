"""An erasure reaches the groups service (issue 19): the erased customer leaves its group
(a pair dissolves), only its id stays in the groups database, and `group.changed` says so
with customer ids only."""
from __future__ import annotations

import pytest
from stdnum.cn import uscc as stdnum_uscc

pytestmark = pytest.mark.integration
SRC = "grp-erase"


def uscc(n: int) -> str:
    base = f"9144050{n:010d}"
    return base + stdnum_uscc.calc_check_digit(base)


def test_an_erased_member_leaves_its_group_and_only_its_id_stays(stack):
    stack.publish([{"source": SRC, "external_id": "E1", "kind": "organization",
                    "name": "擦除测试甲公司", "organization": {"uscc": uscc(1)},
                    "relations": [{"type": "controls", "target": {"uscc": uscc(2)}}]},
                   {"source": SRC, "external_id": "E2", "kind": "organization",
                    "name": "擦除测试乙公司", "organization": {"uscc": uscc(2)}}])
    stack.drain(timeout=600)
    ids = {c["members"][0]["external_id"]: c["customer_id"]
           for c in stack.crm_json("export", "clusters")
           if c["members"] and c["members"][0]["source"] == SRC}
    pair = [g for g in stack.crm_json("groups", "list", "--json")
            if set(g["members"]) == {ids["E1"], ids["E2"]}]
    assert len(pair) == 1
    changes = stack.subscribe("groups.events", "group.changed")
    try:
        stack.crm("erase", ids["E1"], "--by", "DPO-9", "--reason", "request", "--yes")
        gone = changes.wait_for(1, lambda e: e["group_id"] == pair[0]["group_id"])
    finally:
        changes.close()
    assert gone[0]["change"] == "dissolved" and set(gone[0]["left"]) == set(pair[0]["members"])
    assert not any(ids["E1"] in g["members"] for g in stack.crm_json("groups", "list", "--json"))
    db = stack.db("groups")
    try:
        sealed = db["parties"].find_one({"_id": ids["E1"]})
    finally:
        db.client.close()
    assert sealed["erased"] and not sealed["active"]
    assert sealed["party_keys"] == [] and sealed["relations"] == [] and "name" not in sealed

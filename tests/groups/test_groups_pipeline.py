"""Group customers end to end (issue 19, "Done when"): organisations published with a plain
AMQP client, related by each rule, end up in the expected groups (`crm groups list
--json`), with a party published later, a three-deep control chain, a dedup merge that
joins two groups and an unlink that splits one; exposure above the warning level and
the limit publishes a valid `group.limit_warning`; the lead branch follows the rule."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import jsonschema
import pytest
from stdnum.cn import uscc as stdnum_uscc

from groups.domain.exposure import quarter_end
from ingestion.domain.cn_id import check_digit

pytestmark = pytest.mark.integration
SRC = "grp-test"
JSONSCHEMA = Path(__file__).resolve().parents[2] / "contracts" / "jsonschema"
Q_END = quarter_end(date.today()).isoformat()


def uscc(n: int) -> str:
    base = f"9133010{n:010d}"
    return base + stdnum_uscc.calc_check_digit(base)


def nid(n: int) -> str:
    first = f"33010219{70 + n % 20:02d}0412{n % 1000:03d}"
    return first + check_digit(first)


def org(ext: str, n: int, branch: str, *relations, credit=None, **extra) -> dict:
    return {"source": SRC, "external_id": ext, "kind": "organization", "name": f"组测试{ext}公司",
            "organization": {"uscc": uscc(n), "legal_representative": "王小明",
                             "industry": "制造"},
            "branch": branch, "relations": list(relations), "credit": credit,
            "registered_at": f"2025-01-{n % 28 + 1:02d}T09:00:00", **extra}


def person(ext: str, n: int, *relations) -> dict:
    return {"source": SRC, "external_id": ext, "name": f"组测试{ext}", "national_id": nid(n),
            "relations": list(relations), "registered_at": "2025-01-01T09:00:00"}


def controls(target: dict, share=None, type_="controls") -> dict:
    return {"type": type_, "share": share, "target": target}


def credit(limit: str, outstanding: str, as_of: str = Q_END) -> dict:
    return {"limit": limit, "outstanding": outstanding, "as_of": as_of}


def groups_by_external(stack) -> dict[frozenset, dict]:
    ext_of = {c["customer_id"]: c["members"][0]["external_id"]
              for c in stack.crm_json("export", "clusters")
              if c["members"] and c["members"][0]["source"] == SRC}
    out = {}
    for line in stack.crm_json("groups", "list", "--json"):
        members = frozenset(ext_of.get(m, m) for m in line["members"])
        if members & set(ext_of.values()):
            out[members] = line
    return out


def customer_id(stack, ext: str) -> str:
    return next(c["customer_id"] for c in stack.crm_json("export", "clusters")
                if {"source": SRC, "external_id": ext} in c["members"])


def test_groups_form_by_every_rule_and_follow_merges_links_and_limits(stack):
    warnings = stack.subscribe("groups.events", "group.limit_warning")
    changed = stack.subscribe("groups.events", "group.changed")
    try:
        stack.publish([
            # rule 1, a three-deep chain A -> B -> C -> D; credit for exposure and lead
            org("A", 11, "GA1", controls({"uscc": uscc(12)}),
                credit=credit("500000000", "100000000")),
            org("B", 12, "GA2", controls({"source": SRC, "external_id": "C"}, 0.6, "investor"),
                credit=credit("400000000", "300000000")),
            org("C", 13, "GA1", controls({"uscc": uscc(14)}), credit=credit("300000000", "0")),
            org("D", 14, "GA3", credit=credit("100000000", "50000000")),
            # rule 2: one person controls E and F
            person("P", 21, controls({"uscc": uscc(22)}), controls({"uscc": uscc(23)}, 0.7)),
            org("E", 22, "GA1"), org("F", 23, "GA1"),
            # rule 3: Q controls G, Q's father R is a key person of H
            person("Q", 31, controls({"uscc": uscc(32)}, 0.55, "investor"),
                   {"type": "relative_of", "kinship_degree": {"line": "lineal", "degree": 1},
                    "target": {"national_id": nid(33)}}),
            person("R", 33, controls({"uscc": uscc(34)}, type_="key_person")),
            org("G", 32, "GA1"), org("H", 34, "GA1"),
            # a minor holding ties nobody
            person("S", 41, controls({"uscc": uscc(42)}, 0.2, "investor"),
                   controls({"uscc": uscc(43)}, 0.3, "investor")),
            org("S1", 42, "GA1"), org("S2", 43, "GA1"),
            # I names J, which arrives later
            org("I", 51, "GA1", controls({"source": SRC, "external_id": "J"},
                                         type_="controlled_by")),
            # two groups that a dedup merge will join: M1 + N and M2 + O (M1 and M2 do not
            # match each other; the bridge record M3 below matches both)
            org("M1", 61, "GA1", controls({"uscc": uscc(62)}), national_id="ORG-M-0061",
                national_id_type="other", phones=["+86 10 6500 0061"], name="组测试M壹公司"),
            org("M2", 64, "GA1", controls({"uscc": uscc(63)}), phones=["+86 10 6500 0064"],
                name="组测试M贰公司"),
            org("N", 62, "GA1"), org("O", 63, "GA1"),
            org("K", 71, "GA1"), org("L", 72, "GA1"),
        ])
        stack.drain(timeout=600)
        found = groups_by_external(stack)
        assert set(found) >= {frozenset("ABCD"), frozenset("EF"), frozenset("GH"),
                              frozenset({"M1", "N"}), frozenset({"M2", "O"})}
        assert not any(m & {"S1", "S2", "I", "K", "L"} for m in found)
        chain = found[frozenset("ABCD")]
        assert chain["exposure"] == "1300000000.00" and chain["limit"] == "1500000000.00"
        assert chain["lead_branch"] == "GA2" and chain["share_of_limit"] == pytest.approx(0.8667)

        # J arrives; M3 shows M1 and M2 are one organisation (dedup merges); D's line grows
        stack.publish([org("J", 52, "GA1"),
                       {"source": SRC, "external_id": "M3", "kind": "organization",
                        "name": "组测试M贰公司", "national_id": "ORG-M-0061",
                        "national_id_type": "other", "phones": ["+86 10 6500 0064"],
                        "branch": "GA1"},
                       org("D", 14, "GA3", credit=credit("500000000", "400000000",
                                                         date.today().isoformat()))])
        stack.drain(timeout=600)
        found = groups_by_external(stack)
        assert frozenset({"I", "J"}) in found
        merged = [m for m in found if {"N", "O"} <= m]
        assert len(merged) == 1, found
        chain = found[frozenset("ABCD")]
        assert chain["exposure"] == "1700000000.00"
        assert chain["lead_branch"] == "GA2"   # D's new figure is after the quarter end

        # rule 4: link K and L, then unlink them
        k, ell = customer_id(stack, "K"), customer_id(stack, "L")
        stack.crm("groups", "link", k, ell, "--reason", "利润以非公允价格转移")
        assert frozenset({"K", "L"}) in groups_by_external(stack)
        explained = json.loads(stack.crm("groups", "explain", k).stdout)
        assert explained["joined_by"][0]["rule"] == "manual"
        stack.crm("groups", "unlink", k, ell)
        assert not any(m & {"K", "L"} for m in groups_by_external(stack))
        stack.drain(timeout=120)
        seen_warnings = warnings.wait_for(lambda got: {"80%", "escalation", "100%"} <= {
            w["level"] for w in got if w["group_id"] == found[frozenset("ABCD")]["group_id"]})
        seen_changes = changed.wait_for(
            lambda got: {"formed", "merged", "dissolved"} <= {c["change"] for c in got})
    finally:
        warnings.close()
        changed.close()

    chain_id = found[frozenset("ABCD")]["group_id"]
    mine = [w for w in seen_warnings if w["group_id"] == chain_id]
    assert {w["level"] for w in mine} == {"80%", "escalation", "100%"}
    for event in mine:
        jsonschema.validate(event, json.loads((JSONSCHEMA / "group.limit_warning.json")
                                              .read_text()))
        assert "王小明" not in json.dumps(event, ensure_ascii=False)
    kinds = {c["change"] for c in seen_changes}
    assert {"formed", "merged", "dissolved"} <= kinds, kinds
    for event in seen_changes:
        jsonschema.validate(event, json.loads((JSONSCHEMA / "group.changed.json").read_text()))

    show = json.loads(stack.crm("groups", "show", chain_id, "--json").stdout)
    assert {t["rule"] for m in show["members"] for t in m["joined_by"]} == {"control"}

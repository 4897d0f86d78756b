"""The group-customer sample of `make run` (samples/groups.json, written by
`python -m tools.samples`): organisations in a three-deep control chain, a pair controlled
by a father and his son, a pair under one controlling person, and one organisation
related to nobody; with credit figures so the report shows exposure against the limit
(the chain is above the 80 % warning level of the default limit) and a lead branch.
Records follow the upstream contract (a JSON list, `crm import` passes it through)."""
from __future__ import annotations

import json
from pathlib import Path

from stdnum.cn import uscc

QUARTER_END = "2026-09-30"


def code(n: int) -> str:
    """A valid unified social credit code (GB 32100 check character)."""
    base = f"9111010{n:010d}"
    return base + uscc.calc_check_digit(base)


def org(ext: str, n: int, name: str, branch: str, limit: str, outstanding: str,
        relations: tuple = (), industry: str = "制造业") -> dict:
    return {"source": "group_register", "external_id": ext, "kind": "organization", "name": name,
            "organization": {"uscc": code(n), "legal_representative": "张三", "industry": industry},
            "branch": branch, "registered_by": "HO-CRM", "registered_at": "2026-06-01T08:00:00",
            "relations": list(relations),
            "credit": {"limit": limit, "outstanding": outstanding, "as_of": QUARTER_END}}


def person(ext: str, name: str, national_id: str, relations: list, branch: str = "BJ001") -> dict:
    return {"source": "group_register", "external_id": ext, "kind": "person", "name": name,
            "national_id": national_id, "branch": branch, "registered_by": "HO-CRM",
            "registered_at": "2026-06-01T08:00:00", "relations": relations}


def records(check_digit) -> list[dict]:
    """`check_digit`: the resident-id check digit (tools.samples.check_digit)."""
    def nid(first17: str) -> str:
        return first17 + check_digit(first17)
    father, son, wang = nid("11010519620315123"), nid("11010519900708101"), nid("31010419700521201")
    return [
        # a control chain three deep: 华泰控股 -> 华泰实业 (80 %) -> 华泰物流 -> 华泰仓储 (60 %)
        org("ORG-001", 1, "华泰控股集团有限公司", "BJ001", "600000000", "350000000",
            ({"type": "investor", "share": "80%", "target": {"uscc": code(2)}},), "投资"),
        org("ORG-002", 2, "华泰实业有限公司", "SH001", "400000000", "380000000",
            ({"type": "controls", "target": {"uscc": code(3)}},)),
        org("ORG-003", 3, "华泰物流有限公司", "GZ001", "200000000", "120000000",
            ({"type": "investor", "share": 0.6,
              "target": {"source": "group_register", "external_id": "ORG-004"}},), "物流"),
        org("ORG-004", 4, "华泰仓储有限公司", "GZ001", "50000000", "20000000", (), "仓储"),
        # family control: 李建国 controls 建国贸易, his son 李明 is key person of 明远科技
        person("P-001", "李建国", father,
               [{"type": "controls", "share": 0.7, "target": {"uscc": code(11)}}]),
        person("P-002", "李明", son, [
            {"type": "relative_of", "kinship_degree": {"line": "lineal", "degree": 1},
             "target": {"national_id": father}},
            {"type": "key_person", "target": {"uscc": code(12)}}]),
        org("ORG-011", 11, "建国贸易有限公司", "BJ002", "30000000", "25000000", (), "批发"),
        org("ORG-012", 12, "明远科技有限公司", "BJ002", "20000000", "5000000", (), "软件"),
        # a common controller: 王海 holds 60 % of 海天食品 and 55 % of 海天包装
        person("P-003", "王海", wang, [
            {"type": "investor", "share": 0.6, "target": {"uscc": code(21)}},
            {"type": "investor", "share": 0.55, "target": {"uscc": code(22)}}], "SH001"),
        org("ORG-021", 21, "海天食品有限公司", "SH001", "80000000", "60000000", (), "食品"),
        org("ORG-022", 22, "海天包装有限公司", "SH001", "10000000", "2000000", (), "包装"),
        # related to nobody: in no group
        org("ORG-031", 31, "独立咨询有限公司", "BJ001", "5000000", "0", (), "咨询"),
    ]


def write(out: Path, check_digit) -> None:
    (out / "groups.json").write_text(json.dumps(records(check_digit), ensure_ascii=False,
                                                indent=1) + "\n", encoding="utf-8")

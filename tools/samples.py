"""Generate the bundled sample lists (deterministic): `python -m tools.samples`.

Two customer lists from different channels (a branch spreadsheet export with
Chinese headers and a head-office extract with English headers) that share a
few hundred people written differently, plus a few unusable rows, and a roster
of maintainers for the same branches. Then two quarterly holdings snapshots of core
banking (JSON, as upstream publishes them: assets and products as of the end of Q3 and
of Q4), which `make run` sends through the HTTP intake for the maintenance KPIs. And
organisations related as group customers (tools/sample_groups.py).
"""
from __future__ import annotations

import csv
import json
import random
from datetime import date, timedelta
from pathlib import Path

from . import sample_groups


OUT = Path(__file__).resolve().parent.parent / "samples"
BRANCHES = {"BJ001": "110105", "BJ002": "110108", "SH001": "310115", "GZ001": "440106"}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建国志强文博宇航子涵浩然欣怡梓萱思远晨曦嘉怡俊杰雨桐"
LATIN_GIVEN = ["James", "Mary", "Robert", "Linda", "Michael", "Sarah", "David", "Emma", "Daniel",
               "Olivia", "Thomas", "Sophie", "Peter", "Anna", "Lucas", "Mia"]
LATIN_FAMILY = ["Smith", "Brown", "Miller", "Wilson", "Taylor", "Anderson", "Martin", "Clark",
                "Walker", "Young", "King", "Wright", "Scott", "Green", "Baker", "Hall"]
CN_HEADERS = ["客户编号", "姓名", "身份证号", "手机号", "邮箱", "出生日期", "性别", "联系地址", "城市",
              "邮编", "所属网点", "登记人", "登记时间", "日均金融资产", "是否有业务", "信用卡年消费",
              "卡等级", "资产日期", "意向", "潜力"]
EN_HEADERS = ["external_id", "name", "national_id", "phones", "emails", "birth_date", "gender",
              "address.line1", "address.city", "address.postcode", "branch", "registered_by",
              "registered_at", "financials.avg_daily_assets", "financials.has_relationship",
              "financials.card_spend_12m", "financials.card_level", "financials.as_of",
              "intent.willingness", "intent.potential"]
LEVELS = ["high", "medium", "low", "none"]
# Two quarters of data (issue 20): the lists and core banking's first holdings snapshot are
# as of the end of Q3; core banking's second snapshot, a quarter later, is as of Q4_AS_OF.
Q3_AS_OF, Q4_AS_OF = "2026-09-30", "2026-11-30"
PRODUCTS = ["CASA", "TD3M", "TD1Y", "WM90", "FUND", "CARD", "INS", "LOAN"]
MATURING = {"TD3M": 91, "TD1Y": 365, "WM90": 90}


def check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of a CN resident id's first 17 digits.

    Written here rather than imported from ingestion, so the tools depend on no
    service package (docs/architecture.md, import rules); the digit-by-digit weight
    is 2^(17 - position) mod 11.
    """
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    return "10X98765432"[total % 11]


def person(rng: random.Random, n: int) -> dict:
    branch = rng.choice(list(BRANCHES))
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 52))
    male = rng.random() < 0.5
    first17 = f"{BRANCHES[branch]}{born:%Y%m%d}{rng.randrange(0, 100):02d}{rng.choice('13579' if male else '02468')}"
    latin = rng.random() < 0.12
    name = (f"{rng.choice(LATIN_GIVEN)} {rng.choice(LATIN_FAMILY)}" if latin else
            rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))))
    band = rng.random()
    assets = (0 if band < 0.12 else rng.uniform(1000, 49999) if band < 0.35 else
              rng.uniform(50000, 299999) if band < 0.65 else rng.uniform(300000, 999999)
              if band < 0.88 else rng.uniform(1000000, 6000000))
    return {
        "external_id": f"P{n:05d}", "name": name, "national_id": first17 + check_digit(first17),
        "phone": f"1{rng.choice('3589')}{rng.randrange(0, 10**9):09d}",
        "email": f"user{n}@example.com" if rng.random() < 0.5 else "",
        "birth_date": born.isoformat(), "gender": "男" if male else "女",
        "address": f"{rng.randrange(1, 300)}号{rng.choice('东西南北')}街{rng.randrange(1, 30)}栋",
        "city": {"BJ": "北京", "SH": "上海", "GZ": "广州"}[branch[:2]],
        "postcode": BRANCHES[branch][:4] + "00", "branch": branch,
        "registered_by": f"{branch}-S{rng.randrange(1, 3)}",
        "registered_at": (date(2024, 1, 1) + timedelta(days=rng.randrange(0, 600))).isoformat(),
        "assets": round(assets, 2), "has_relationship": "否" if assets == 0 else "是",
        "card_spend": rng.choice([0, 0, 0, 12000, 60000]),
        "card_level": rng.choice(["standard", "standard", "gold", "platinum"]),
        "as_of": Q3_AS_OF, "willingness": rng.choice(LEVELS), "potential": rng.choice(LEVELS),
    }


def branch_row(p: dict) -> list:
    return [p["external_id"], p["name"], p["national_id"], p["phone"], p["email"], p["birth_date"],
            p["gender"], p["address"], p["city"], p["postcode"], p["branch"], p["registered_by"],
            p["registered_at"], p["assets"], p["has_relationship"], p["card_spend"],
            p["card_level"], p["as_of"], p["willingness"], p["potential"]]


def head_office_row(p: dict, rng: random.Random, n: int) -> list:
    """The same person as head office writes them: other id, other formats."""
    nid = p["national_id"]
    nid = f"{nid[:6]} {nid[6:14]} {nid[14:]}".lower() if rng.random() < 0.5 else nid
    phone = f"+86 {p['phone'][:3]} {p['phone'][3:7]} {p['phone'][7:]}"
    name = " ".join(p["name"]) if not p["name"].isascii() and rng.random() < 0.5 else p["name"]
    drift = round(p["assets"] * rng.uniform(0.9, 1.3), 2)
    return [f"HO-{n:05d}", name, nid, phone, p["email"], p["birth_date"].replace("-", ""),
            "male" if p["gender"] == "男" else "female", p["address"], p["city"], p["postcode"],
            p["branch"], "HO-CRM", "2026-06-01T08:00:00", drift, "true", p["card_spend"],
            p["card_level"], "2026-09-15", p["willingness"], p["potential"]]


def holding(rng: random.Random, code: str, as_of: str) -> dict:
    out: dict = {"code": code, "as_of": as_of}
    if code in MATURING:
        out["matures_on"] = (date.fromisoformat(as_of) + timedelta(days=rng.randrange(
            1, MATURING[code]))).isoformat()
    if code != "CARD":
        out["balance"] = f"{rng.uniform(1000, 200000):.2f}"
    return out


def core_record(p: dict, assets: float, codes: list[str], as_of: str,
                rng: random.Random) -> dict:
    """One person as the core banking system publishes its quarterly holdings snapshot."""
    return {"source": "core_banking", "external_id": f"CB-{p['external_id']}", "name": p["name"],
            "national_id": p["national_id"], "national_id_type": "cn_resident",
            "phones": [p["phone"]], "birth_date": p["birth_date"], "branch": p["branch"],
            "registered_by": p["registered_by"], "registered_at": p["registered_at"],
            "financials": {"avg_daily_assets": f"{assets:.2f}", "has_relationship": True,
                           "as_of": as_of},
            "products": [holding(rng, code, as_of) for code in codes]}


def core_snapshots(people: list[dict], held: int = 400, won: int = 40) -> tuple[list, list]:
    """(Q3, Q4) snapshots of core banking: `held` list customers in both, their assets grown
    (most), flat or fallen (some), products added; `won` customers new in Q4."""
    rng = random.Random(20261202)
    q3, q4 = [], []
    for p in rng.sample([p for p in people if p["assets"] > 0], held):
        codes = sorted(rng.sample(PRODUCTS, rng.randrange(1, 4)))
        q3.append(core_record(p, p["assets"], codes, Q3_AS_OF, rng))
        roll = rng.random()
        factor = (rng.uniform(1.05, 1.8) if roll < 0.6 else rng.uniform(0.95, 1.05)
                  if roll < 0.85 else rng.uniform(0.2, 0.9))
        more = sorted(set(codes) | set(rng.sample(PRODUCTS, rng.randrange(0, 3))))
        q4.append(core_record(p, p["assets"] * factor, more, Q4_AS_OF, rng))
    for n in range(won):
        p = {**person(rng, 5000 + n), "registered_at": "2026-10-20"}
        q4.append(core_record(p, max(p["assets"], 60000.0), sorted(rng.sample(PRODUCTS, 2)),
                              Q4_AS_OF, rng))
    return q3, q4


def roster() -> list[list]:
    rows = [["工号", "姓名", "角色", "网点", "容量"]]
    plan = [("wealth_manager", 1, 120), ("financial_manager", 2, 200), ("branch_director", 1, 120),
            ("lobby_manager", 1, 120), ("branch_staff", 2, 60), ("branch_president", 1, 50)]
    for branch in BRANCHES:
        n = 0
        for role, count, capacity in plan:
            for _ in range(count):
                n += 1
                rows.append([f"{branch}-S{n}", f"{branch}员工{n}", role, branch, capacity])
    return rows


def main(persons: int = 1700, shared: int = 300) -> None:
    rng = random.Random(20261124)
    OUT.mkdir(exist_ok=True)
    people = [person(rng, n) for n in range(persons)]
    with open(OUT / "branch_list.csv", "w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f)
        writer.writerow(CN_HEADERS)
        writer.writerows(branch_row(p) for p in people)
        writer.writerow(["P99990", "", "", "", "", "", "", "", "", "", "BJ001", "", "", "", "", "", "", "", "", ""])
        writer.writerow(["P99991", "赵六", "110105199001011235", "", "", "1990-02-30", "", "", "", "", "BJ002", "", "", "abc", "", "", "", "", "", ""])
    with open(OUT / "head_office.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(EN_HEADERS)
        writer.writerows(head_office_row(p, rng, n) for n, p in enumerate(rng.sample(people, shared)))
        writer.writerow(["", "No Key", "", "", "", "", "", "", "", "", "SH001", "", "", "", "", "", "", "", "", ""])
    with open(OUT / "roster.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(roster())
    sample_groups.write(OUT, check_digit)
    for name, records in zip(("core_banking_q3.json", "core_banking_q4.json"),
                             core_snapshots(people)):
        lines = ",\n".join(json.dumps(r, ensure_ascii=False) for r in records)
        (OUT / name).write_text(f"[\n{lines}\n]\n", encoding="utf-8")
    print(f"samples: {persons} + {shared} shared rows, core banking snapshots of Q3 and Q4 "
          f"and a roster in {OUT}")


if __name__ == "__main__":
    main()

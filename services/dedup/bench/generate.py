"""Labelled synthetic customer records for the dedup bench.

Generates distinct persons (Chinese names in Han script, Western names in Latin
script), then duplicate records of some of them with the errors seen in real branch
lists: typos, given/family order swapped, Han names written in pinyin, nicknames,
homophone or dropped Han characters, day/month swapped and one-digit-off birth dates,
missing identifiers/contacts, changed phones, full-width digits and stray spaces. It
also plants hard negatives: namesakes (same name, different birth date), household
members sharing a phone and address, and twins.

Records come out in the normalized shape dedup receives: ingestion is simulated by
normalizing (NFKC, spaces, case) and replacing identifiers with blind indexes, HMAC-
SHA256 under a fixed bench key. Labels map record_id -> true entity id. Everything
is driven by one seed, so runs are reproducible.

The nickname table here is intentionally *not* the matcher's table: some nicknames
used here are unknown to the matcher, as they would be in real data.
"""
from __future__ import annotations

import hashlib
import hmac
import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Iterator

from pypinyin import lazy_pinyin

BENCH_KEY = b"dedup-bench-blind-index-key-not-a-secret"

HAN_SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
    "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎"
    "贺顾毛郝龚邵万钱严覃武戴莫孔向汤") + ["欧阳", "司马", "诸葛", "上官"]
HAN_GIVEN = list(dict.fromkeys(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力鹏飞斌宇浩凯健俊帆帅"
    "旭宁龙林欣晨瑶怡婷雪琳晶妍茜秋莉慧颖倩婕佳琪嘉子梓涵轩博睿思雨泽昊一然诗梦晓小金海国"
    "志春燕荣成永东新云峰波亮宏德福生元全胜学祥才发武清彬富顺信昌康星光天达安岩中茂进有坚"
    "和彪诚先敬震振壮会群豪心邦承乐绍功松善厚庆民友裕河哲江政谦亨奇固之翰朗伯言若鸣朋梁栋"
    "维启克伦翔辰士以家致树炎行时泰盛雄琛钧冠策腾楠榕风航弘"))
LATIN_FIRST = [
    "Robert", "William", "Elizabeth", "James", "Michael", "David", "Thomas", "Richard",
    "Katherine", "Anthony", "Christopher", "Joseph", "Daniel", "Edward", "Samuel",
    "Benjamin", "Matthew", "Stephen", "Jennifer", "Susan", "Margaret", "Patricia",
    "Alexander", "Andrew", "Nicholas", "Charles", "Henry", "John", "Mary", "Linda",
    "Barbara", "Sarah", "Karen", "Nancy", "Lisa", "Betty", "Sandra", "Ashley", "Emily",
    "Donna", "Michelle", "Carol", "Amanda", "Melissa", "Deborah", "Rebecca", "Laura",
    "Sharon", "Cynthia", "Kevin", "Brian", "George", "Timothy", "Ronald", "Jason",
    "Jeffrey", "Ryan", "Jacob", "Gary", "Eric", "Jonathan", "Larry", "Justin", "Scott",
    "Brandon", "Frank", "Gregory", "Raymond", "Patrick", "Jack", "Dennis", "Jerry",
    "Tyler", "Aaron", "Jose", "Adam", "Nathan", "Henry", "Douglas", "Zachary", "Peter",
    "Kyle", "Walter", "Ethan", "Jeremy", "Harold", "Keith", "Christian", "Roger", "Noah",
    "Gerald", "Carl", "Terry", "Sean", "Austin", "Arthur", "Lawrence", "Jesse", "Dylan",
    "Olivia", "Sophia", "Isabella", "Charlotte", "Amelia", "Harper", "Evelyn", "Abigail",
    "Victoria", "Grace", "Chloe", "Camila", "Penelope", "Riley", "Layla", "Lillian",
    "Nora", "Zoey", "Hannah", "Stella", "Natalie", "Leah", "Hazel", "Violet", "Aurora",
]
LATIN_LAST = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
    "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson",
    "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White",
    "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young",
    "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green",
    "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter",
    "Roberts", "Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker", "Cruz",
    "Edwards", "Collins", "Reyes", "Stewart", "Morris", "Morales", "Murphy", "Cook",
    "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson", "Bailey", "Reed",
    "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson", "Watson", "Brooks",
    "Chavez", "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes", "Price",
    "Alvarez", "Castillo", "Sanders", "Patel", "Myers", "Long", "Ross", "Foster",
    "Jimenez", "Powell", "Jenkins", "Perry", "Russell", "Sullivan", "Bell", "Coleman",
    "Butler", "Henderson", "Barnes", "Gonzales", "Fisher", "Vasquez", "Simmons",
    "Romero", "Jordan", "Patterson", "Alexander", "Hamilton", "Graham", "Reynolds",
    "Griffin", "Wallace", "Moreno", "West", "Cole", "Hayes", "Bryant", "Herrera",
]
# Generator-side nicknames: overlaps the matcher's table only partly on purpose.
GEN_NICKNAMES = {
    "Robert": ["Bob", "Rob", "Bert"], "William": ["Bill", "Will", "Liam"],
    "Elizabeth": ["Liz", "Beth", "Lisa", "Betsy"], "James": ["Jim", "Jimmy"],
    "Michael": ["Mike", "Mick"], "David": ["Dave"], "Thomas": ["Tom"],
    "Richard": ["Dick", "Rick", "Rich"], "Katherine": ["Kate", "Kathy", "Kit"],
    "Anthony": ["Tony"], "Christopher": ["Chris", "Topher"], "Joseph": ["Joe"],
    "Daniel": ["Dan", "Danny"], "Edward": ["Ed", "Ted"], "Samuel": ["Sam"],
    "Benjamin": ["Ben"], "Matthew": ["Matt"], "Jennifer": ["Jen", "Jenny"],
    "Margaret": ["Maggie", "Peggy", "Greta"], "Patricia": ["Pat", "Trish"],
    "Alexander": ["Alex", "Sasha"], "Andrew": ["Andy", "Drew"], "Nicholas": ["Nick"],
    "Charles": ["Charlie", "Chuck"], "Henry": ["Harry", "Hal"], "John": ["Jack", "Johnny"],
    "Mary": ["Molly", "Polly"], "Susan": ["Sue", "Suzy"], "Rebecca": ["Becky"],
    "Victoria": ["Vicky", "Tori"], "Abigail": ["Abby"], "Gregory": ["Greg"],
}
SOURCES = ["core_banking", "head_office", "branch_list", "field_visit", "referral",
           "seminar", "walk_in", "web_research", "directory", "external_list"]
BRANCHES = [f"BR{n:03d}" for n in range(1, 41)]
EMAIL_DOMAINS = ["qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "sina.com"]
ROADS = ["人民路", "解放路", "中山路", "建设路", "和平路", "新华路", "胜利路", "长江路",
         "黄河路", "光明路", "文化路", "东风路", "朝阳路", "青年路", "学院路"]
PROVINCES = [("北京", "北京"), ("上海", "上海"), ("广东", "广州"), ("广东", "深圳"),
             ("浙江", "杭州"), ("江苏", "南京"), ("四川", "成都"), ("湖北", "武汉"),
             ("陕西", "西安"), ("山东", "济南"), ("福建", "厦门"), ("天津", "天津")]


@dataclass
class Person:
    """A true entity with its clean attributes."""

    entity_id: int
    script: str  # "han" or "latin"
    surname: str
    given: str
    birth_date: date
    gender: str
    national_id: str | None
    phones: list[str]
    email: str | None
    postcode: str
    province: str
    city: str
    district: str
    address: str
    branch: str
    middle: str | None = None


@dataclass
class Dataset:
    """Generated records (normalized shape) and their true entity labels."""

    records: list[dict[str, Any]] = field(default_factory=list)
    labels: dict[str, int] = field(default_factory=dict)
    persons: int = 0


def blind_index(kind: str, normalized: str) -> str:
    """HMAC-SHA256 of a normalized identifier, as ingestion computes it."""
    return hmac.new(BENCH_KEY, f"{kind}:{normalized}".encode(), hashlib.sha256).hexdigest()


# ---------------------------------------------------------------- ingestion model
_HAN_RE = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")


def normalize_name(raw: str) -> str:
    """NFKC (full-width -> half-width), trimmed, single spaces, no spaces inside Han."""
    text = " ".join(unicodedata.normalize("NFKC", raw).split())
    return _HAN_RE.sub("", text)


def normalize_digits(raw: str) -> str:
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", raw))


def normalize_id(raw: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", raw)).upper()


def normalize_phone(raw: str) -> str:
    digits = normalize_digits(raw)
    return "+86" + digits[-11:]


def normalize_email(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw).strip().lower()


def normalize_address(raw: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", raw).lower().split())


# ---------------------------------------------------------------- persons
def _cn_id(rng: random.Random, birth: date, gender: str) -> str:
    region = rng.choice(["110101", "310104", "440106", "440304", "330106", "320102",
                         "510104", "420102", "610103", "370102", "350203", "120101"])
    seq = rng.randrange(0, 500) * 2 + (1 if gender == "male" else 0)
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]
    return body + check


def _mobile(rng: random.Random) -> str:
    return "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))


def _birth(rng: random.Random) -> date:
    return date(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 65))


def _han_name(rng: random.Random) -> tuple[str, str]:
    # Skewed surname distribution (a few surnames are very common, as in China).
    idx = min(int(rng.paretovariate(1.2)) - 1, len(HAN_SURNAMES) - 1)
    surname = HAN_SURNAMES[idx] if rng.random() < 0.6 else rng.choice(HAN_SURNAMES)
    given = "".join(rng.choice(HAN_GIVEN) for _ in range(1 if rng.random() < 0.3 else 2))
    return surname, given


def _full_name(p: Person) -> str:
    if p.script == "han":
        return p.surname + p.given
    mid = f" {p.middle}" if p.middle else ""
    return f"{p.given}{mid} {p.surname}"


def _new_person(rng: random.Random, eid: int, template: Person | None = None,
                relation: str | None = None) -> Person:
    gender = rng.choice(["male", "female"])
    if rng.random() < 0.7:
        script = "han"
        surname, given = _han_name(rng)
    else:
        script = "latin"
        surname, given = rng.choice(LATIN_LAST), rng.choice(LATIN_FIRST)
    birth = _birth(rng)
    province, city = rng.choice(PROVINCES)
    district = f"{city}{rng.choice('东西南北中')}区"
    postcode = f"{rng.randrange(10, 86):02d}{rng.randrange(0, 100):02d}{rng.randrange(0, 3)}0"
    address = f"{district}{rng.choice(ROADS)}{rng.randrange(1, 400)}号" \
              f"{rng.randrange(1, 30)}栋{rng.randrange(1, 6)}单元{rng.randrange(101, 2800)}"
    phones = [_mobile(rng) for _ in range(1 if rng.random() < 0.8 else 2)]
    p = Person(eid, script, surname, given, birth, gender, None, phones, None, postcode,
               province, city, district, address, rng.choice(BRANCHES))
    if script == "latin" and rng.random() < 0.1:
        p.middle = rng.choice(LATIN_FIRST)
    if template is not None:
        if relation == "namesake":
            p.script, p.surname, p.given, p.middle = (template.script, template.surname,
                                                      template.given, template.middle)
            if rng.random() < 0.3:  # same neighbourhood
                p.postcode = template.postcode
        elif relation in ("household", "twin"):
            p.postcode, p.address, p.city, p.province, p.district = (
                template.postcode, template.address, template.city, template.province,
                template.district)
            p.phones = [template.phones[0]] + p.phones[1:]
            if rng.random() < 0.5 or relation == "twin":
                p.script, p.surname = template.script, template.surname
                if p.script == "han":
                    p.given = "".join(rng.choice(HAN_GIVEN) for _ in range(len(template.given)))
                else:
                    p.given = rng.choice(LATIN_FIRST)
            if relation == "twin":
                p.birth_date = template.birth_date
    p.national_id = _cn_id(rng, p.birth_date, p.gender)
    if rng.random() < 0.6:
        handle = "".join(lazy_pinyin(p.given)) if p.script == "han" else p.given.lower()
        p.email = f"{handle}{rng.randrange(1, 9999)}@{rng.choice(EMAIL_DOMAINS)}"
    return p


def _identity(p: Person) -> tuple[str, date]:
    return (_full_name(p), p.birth_date)


# ---------------------------------------------------------------- errors
_HOMOPHONES: dict[str, list[str]] | None = None


def _homophones() -> dict[str, list[str]]:
    global _HOMOPHONES
    if _HOMOPHONES is None:
        groups: dict[str, list[str]] = {}
        for ch in HAN_GIVEN:
            groups.setdefault(lazy_pinyin(ch)[0], []).append(ch)
        _HOMOPHONES = {ch: [o for o in groups[lazy_pinyin(ch)[0]] if o != ch]
                       for ch in HAN_GIVEN}
    return _HOMOPHONES


def _typo(rng: random.Random, word: str) -> str:
    """One keyboard-style error: substitution, transposition, deletion or insertion."""
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word) - 1) if rng.random() < 0.85 else rng.randrange(len(word))
    op = rng.random()
    letters = "abcdefghijklmnopqrstuvwxyz"
    if op < 0.35:
        c = rng.choice(letters)
        return word[:i] + (c.upper() if word[i].isupper() else c) + word[i + 1:]
    if op < 0.6 and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if op < 0.8:
        return word[:i] + word[i + 1:]
    return word[:i] + rng.choice(letters) + word[i:]


# How people actually spell these surnames (pypinyin's default reading differs).
GEN_SURNAME_SPELLING = {"曾": "zeng", "覃": "qin", "单": "shan", "解": "xie"}


def _pinyin_form(rng: random.Random, surname: str, given: str) -> str:
    sur = (GEN_SURNAME_SPELLING.get(surname) or "".join(lazy_pinyin(surname))).capitalize()
    giv = "".join(lazy_pinyin(given)).capitalize()
    r = rng.random()
    if r < 0.5:
        return f"{sur} {giv}"
    if r < 0.8:
        return f"{giv} {sur}"
    if r < 0.9:
        return f"{sur}{giv}".upper()
    return f"{sur.upper()} {giv}"


def _name_variant(rng: random.Random, p: Person, errors: set[str]) -> str:
    if p.script == "han":
        given = p.given
        if "homophone" in errors:
            i = rng.randrange(len(given))
            options = _homophones().get(given[i]) or []
            if options:
                given = given[:i] + rng.choice(options) + given[i + 1:]
        if "drop_char" in errors and len(given) == 2:
            given = given[rng.randrange(2)]
        if "pinyin" in errors:
            text = _pinyin_form(rng, p.surname, given)
            if "typo" in errors:
                parts = text.split(" ")
                j = rng.randrange(len(parts))
                parts[j] = _typo(rng, parts[j])
                text = " ".join(parts)
            return text
        name = p.surname + given
        if "spaces" in errors:
            name = " ".join(name)
        return name
    given = p.given
    if "nickname" in errors and given in GEN_NICKNAMES:
        given = rng.choice(GEN_NICKNAMES[given])
    surname = p.surname
    if "typo" in errors:
        if rng.random() < 0.5:
            surname = _typo(rng, surname)
        else:
            given = _typo(rng, given)
    middle = p.middle if p.middle and rng.random() < 0.5 else None
    parts = [given] + ([middle] if middle else []) + [surname]
    if "swap" in errors:
        parts = [surname] + parts[:-1]
    text = " ".join(parts)
    if "case" in errors:
        text = text.upper()
    if "spaces" in errors:
        text = "  " + text.replace(" ", "   ") + " "
    return text


def _date_variant(rng: random.Random, d: date, errors: set[str]) -> str | None:
    if "dob_missing" in errors:
        return None
    s = d.isoformat()
    if "dob_swap" in errors and d.day <= 12 and d.day != d.month:
        return f"{d.year:04d}-{d.day:02d}-{d.month:02d}"
    if "dob_digit" in errors:
        for _ in range(20):
            i = rng.choice([2, 3, 6, 8, 9])
            cand = s[:i] + rng.choice("0123456789") + s[i + 1:]
            try:
                if cand != s and date.fromisoformat(cand):
                    return cand
            except ValueError:
                continue
    return s


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "0" <= c <= "9" else c for c in text)


ERRORS = ["typo", "swap", "nickname", "pinyin", "homophone", "drop_char", "case",
          "spaces", "dob_swap", "dob_digit", "dob_missing", "no_id", "no_phone",
          "no_email", "new_phone", "no_address", "no_postcode", "full_width"]
ERROR_WEIGHTS = [18, 8, 6, 10, 2, 1, 4, 5, 6, 6, 3, 25, 15, 15, 5, 10, 3, 6]


def _make_record(rng: random.Random, p: Person, n: int, errors: set[str],
                 base_time: datetime) -> dict[str, Any]:
    raw_name = _name_variant(rng, p, errors)
    nid = None if "no_id" in errors else p.national_id
    phones = [] if "no_phone" in errors else list(p.phones)
    if "new_phone" in errors:
        phones = [_mobile(rng)]
    email = None if "no_email" in errors else p.email
    if "full_width" in errors:
        phones = [_full_width(ph) for ph in phones]
        nid = _full_width(nid) if nid else None
    if "spaces" in errors and phones:
        phones = [ph[:3] + " " + ph[3:7] + " " + ph[7:] for ph in phones]
    address = None if "no_address" in errors else p.address
    line_bi = blind_index("address", normalize_address(address)) if address else None
    source = rng.choice(SOURCES)
    registered = base_time + timedelta(minutes=rng.randrange(0, 60 * 24 * 365 * 4))
    as_of = (registered + timedelta(days=rng.randrange(0, 60))).date().isoformat()
    ext = f"{p.entity_id}-{n}-{rng.randrange(10**6)}"
    return {
        "record_id": f"{source}:{ext}",
        "source": source,
        "external_id": ext,
        "kind": "person",
        "name": normalize_name(raw_name) or None,
        "birth_date": _date_variant(rng, p.birth_date, errors),
        "gender": p.gender if rng.random() < 0.9 else None,
        "national_id_bi": blind_index("nid", normalize_id(nid)) if nid else None,
        "phone_bis": [blind_index("phone", normalize_phone(ph)) for ph in phones],
        "email_bis": [blind_index("email", normalize_email(email))] if email else [],
        "postcode": None if "no_postcode" in errors else p.postcode,
        "city": p.city,
        "district": p.district,
        "province": p.province,
        # one address line (a Chinese address): the street line is the whole line
        "address_bi": line_bi, "street_bi": line_bi,
        "branch": p.branch if rng.random() < 0.8 else rng.choice(BRANCHES),
        "registered_by": f"staff{rng.randrange(1, 500):03d}",
        "registered_at": registered.isoformat(timespec="seconds") if rng.random() < 0.95 else None,
        "financials": {"financial_assets": round(rng.lognormvariate(11, 1.5), 2),
                       "as_of": as_of if rng.random() < 0.9 else None},
        "intent": {"class": rng.choice("ABCD")} if rng.random() < 0.5 else {},
        "has_contact": bool(phones or email),
    }


def _original_errors(rng: random.Random, p: Person) -> set[str]:
    """Even a first record is incomplete: lists rarely carry every field."""
    errors: set[str] = set()
    if rng.random() < 0.25:
        errors.add("no_id")
    if rng.random() < 0.1:
        errors.add("no_phone")
    if rng.random() < 0.3:
        errors.add("no_email")
    if rng.random() < 0.15:
        errors.add("no_address")
    if p.script == "han" and rng.random() < 0.08:
        errors.add("pinyin")
    return errors


def _dup_errors(rng: random.Random, p: Person) -> set[str]:
    k = rng.choice([1, 2, 2, 3, 3, 4])
    errors = set(rng.choices(ERRORS, weights=ERROR_WEIGHTS, k=k))
    if p.script == "han":
        errors -= {"nickname", "swap", "case"}
        if "typo" in errors and "pinyin" not in errors:
            # Han-script typos are homophones, not letter errors; keep them rare.
            errors.discard("typo")
            if rng.random() < 0.3:
                errors.add("homophone")
    else:
        errors -= {"pinyin", "homophone", "drop_char"}
    return errors


def iter_persons(n: int, seed: int, start_id: int = 0) -> Iterator[Person]:
    """``n`` distinct persons: no two share full name and birth date, except that a
    few deliberate hard negatives (namesakes, households, twins) reuse parts."""
    rng = random.Random(seed)
    seen: set[tuple[str, date]] = set()
    made: list[Person] = []
    eid = start_id
    while len(made) < n:
        r = rng.random()
        template = rng.choice(made) if made else None
        relation = None
        if template is not None and r < 0.04:
            relation = "namesake"
        elif template is not None and r < 0.07:
            relation = "household"
        elif template is not None and r < 0.075:
            relation = "twin"
        p = _new_person(rng, eid, template, relation)
        if _identity(p) in seen:
            continue
        seen.add(_identity(p))
        made.append(p)
        eid += 1
        yield p


def generate(persons: int, dup_rate: float, seed: int) -> Dataset:
    """``persons`` distinct people, plus ``dup_rate * persons`` duplicate records
    spread over them (a person can get several), in random order."""
    rng = random.Random(seed * 7919 + 1)
    base = datetime(2020, 1, 1)
    people = list(iter_persons(persons, seed))
    ds = Dataset(persons=persons)
    counts = {p.entity_id: 0 for p in people}

    def emit(p: Person, errors: set[str]) -> None:
        counts[p.entity_id] += 1
        rec = _make_record(rng, p, counts[p.entity_id], errors, base)
        ds.records.append(rec)
        ds.labels[rec["record_id"]] = p.entity_id

    for p in people:
        emit(p, _original_errors(rng, p))
    for _ in range(int(round(dup_rate * persons))):
        p = rng.choice(people)
        emit(p, _dup_errors(rng, p) | (_original_errors(rng, p) if rng.random() < 0.5 else set()))
    rng.shuffle(ds.records)
    return ds


if __name__ == "__main__":  # pragma: no cover - manual inspection
    import json
    import sys

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    for rec in generate(n, 0.5, 1).records:
        print(json.dumps(rec, ensure_ascii=False))

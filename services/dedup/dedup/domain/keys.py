"""Name keys and blocking keys for dedup.

Blocking decides which golden customers a new record is ever compared with, so it
bounds both recall (a true duplicate that shares no key is never found) and cost
(every member of every shared block is scored). The keys below are chosen so that
each one depends on a *different subset* of fields: a duplicate whose name has a
typo still shares the date+postcode key, one whose birth date is wrong still shares
the name+postcode key, and identifiers (blind indexes) catch the rest. Every key is
specific enough that blocks stay small as the pool grows.

Names are compared in a script-neutral form: Han characters are converted to
toneless pinyin, so "张三", "Zhang San", "zhangsan" and "San Zhang" meet.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache
from typing import Any, Iterable, Mapping

import jellyfish
from pypinyin import lazy_pinyin

MAX_KEYS = 18
"""Upper bound on blocking keys per record, so index writes stay bounded."""

BROAD_PREFIXES = ("nph:", "nmd:", "np:", "np3:", "org:")
"""Key families without an identifier or a full birth date: their blocks grow with
the pool (a common surname in one postcode), so they are read after the specific
ones and never crowd a candidate found through a specific key out (see
:func:`is_specific`)."""

# Surnames whose everyday pypinyin reading differs from the surname reading; without
# this "曾" (zeng) would become "ceng" and never meet the Latin spelling "Zeng".
SURNAME_READINGS: dict[str, str] = {
    "曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "区": "ou", "查": "zha",
    "朴": "piao", "乐": "yue", "缪": "miao", "覃": "qin", "翟": "zhai", "盖": "ge",
    "种": "chong", "秘": "bi", "卜": "bu", "尉": "yu", "长孙": "zhangsun",
    "尉迟": "yuchi", "万俟": "moqi", "柏": "bai", "褚": "chu", "薄": "bo",
}

COMPOUND_SURNAMES: frozenset[str] = frozenset({
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙",
    "宇文", "司徒", "夏侯", "令狐", "万俟", "轩辕", "端木", "独孤", "南宫", "西门",
})

# Common English hypocorisms mapped to one canonical given name. Deliberately a
# general-purpose list (not derived from any test data); extend through params later.
NICKNAMES: dict[str, str] = {
    "bob": "robert", "bobby": "robert", "rob": "robert", "robbie": "robert",
    "bill": "william", "billy": "william", "will": "william", "willy": "william",
    "liz": "elizabeth", "lizzie": "elizabeth", "beth": "elizabeth", "betty": "elizabeth",
    "eliza": "elizabeth", "jim": "james", "jimmy": "james", "jamie": "james",
    "mike": "michael", "mick": "michael", "mikey": "michael", "dave": "david",
    "davy": "david", "tom": "thomas", "tommy": "thomas", "dick": "richard",
    "rick": "richard", "rich": "richard", "ricky": "richard", "kate": "katherine",
    "katie": "katherine", "kathy": "katherine", "cathy": "catherine", "tony": "anthony",
    "chris": "christopher", "joe": "joseph", "joey": "joseph", "jo": "josephine",
    "dan": "daniel", "danny": "daniel", "ed": "edward", "eddie": "edward",
    "ted": "edward", "ned": "edward", "sam": "samuel", "sammy": "samuel",
    "ben": "benjamin", "benny": "benjamin", "matt": "matthew", "steve": "stephen",
    "steven": "stephen", "greg": "gregory", "jeff": "jeffrey", "jen": "jennifer",
    "jenny": "jennifer", "sue": "susan", "susie": "susan", "peggy": "margaret",
    "maggie": "margaret", "meg": "margaret", "pat": "patricia", "patty": "patricia",
    "alex": "alexander", "andy": "andrew", "drew": "andrew", "nick": "nicholas",
    "charlie": "charles", "chuck": "charles", "hank": "henry", "harry": "henry",
    "jack": "john", "johnny": "john", "jon": "john", "larry": "lawrence",
    "tim": "timothy", "fred": "frederick", "frank": "francis", "ken": "kenneth",
    "abby": "abigail", "becky": "rebecca", "vicky": "victoria", "mandy": "amanda",
    "debbie": "deborah", "sandy": "sandra", "ron": "ronald", "don": "donald",
    "phil": "philip", "pete": "peter", "ray": "raymond", "walt": "walter",
}

# Latin spellings of pinyin "ü" syllables (passports write 吕 as "LV" or "LYU");
# Han input is folded to "u", so these are too.
PINYIN_U_SPELLINGS: dict[str, str] = {
    "lv": "lu", "lyu": "lu", "nv": "nu", "nyu": "nu", "lve": "lue", "nve": "nue",
}

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_NON_LETTER = re.compile(r"[^a-z\s]+")


def _strip_accents(text: str) -> str:
    """Drop combining marks (ü -> u, é -> e) so spellings with and without meet."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _pinyin(chars: str) -> str:
    """Toneless pinyin of Han characters, joined, with ü folded to u."""
    return _strip_accents("".join(lazy_pinyin(chars, v_to_u=True))).lower()


def _han_tokens(han: str) -> list[str]:
    """Split a Han name into [surname, given] pinyin tokens.

    Why two tokens and not one per character: Latin spellings of Chinese names write
    the given name as one word ("Zhang Xiaoming"), so that is the shape to meet.
    """
    surname = han[:2] if han[:2] in COMPOUND_SURNAMES else han[:1]
    given = han[len(surname):]
    sur = SURNAME_READINGS.get(surname) or _pinyin(surname)
    tokens = [sur]
    if given:
        tokens.append(_pinyin(given))
    return tokens


@lru_cache(maxsize=200_000)
def name_tokens(name: str | None) -> tuple[str, ...]:
    """Canonical lower-case ASCII tokens of a name, in written order.

    Han runs become pinyin tokens, Latin text is case-folded, stripped of accents and
    punctuation, and nicknames are mapped to their canonical given name.
    """
    if not name:
        return ()
    text = unicodedata.normalize("NFKC", name).strip()
    if not text:
        return ()
    tokens: list[str] = []
    # Han runs and Latin runs are handled separately; a name may mix both.
    for part in re.split(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)", text):
        if not part or part.isspace():
            continue
        if _HAN.match(part):
            tokens.extend(_han_tokens(part))
            continue
        latin = _NON_LETTER.sub(" ", _strip_accents(part).casefold())
        for tok in latin.split():
            tok = PINYIN_U_SPELLINGS.get(tok, tok)
            tokens.append(NICKNAMES.get(tok, tok))
    return tuple(t for t in tokens if t)


def name_key(name: str | None) -> str:
    """Order-preserving key: "张三", "Zhang San", "zhang-san" and "ZHANGSAN" -> "zhangsan"."""
    return "".join(name_tokens(name))


def sorted_name_key(name: str | None) -> str:
    """Order-free key: "张三" and "San Zhang" both -> "sanzhang" (given/family swapped)."""
    return "".join(sorted(name_tokens(name)))


def name_keys(name: str | None) -> list[str]:
    """The distinct name keys of a name (in-order first, then sorted-token)."""
    out: list[str] = []
    for key in (name_key(name), sorted_name_key(name)):
        if key and key not in out:
            out.append(key)
    return out


def _phonetic_token(token: str) -> str:
    # NYSIIS keeps more of the vowel structure than Soundex/Metaphone, which matters
    # for pinyin ("li", "liu", "lu" must stay apart); short tokens (most pinyin
    # syllables and surnames) are kept as is, so common Chinese names do not collapse
    # into a few huge blocks.
    return jellyfish.nysiis(token) if len(token) > 5 else token


@lru_cache(maxsize=200_000)
def phonetic_key(name: str | None) -> str:
    """Order-free phonetic key that survives most single-letter typos."""
    tokens = name_tokens(name)
    return "".join(sorted(_phonetic_token(t) for t in tokens)).lower()


def prefix_key(name: str | None, length: int = 3) -> str:
    """Sorted token prefixes: robust to typos past the prefix, complementing the
    phonetic key (which tolerates many typos inside the prefix but not all after)."""
    return "".join(sorted(t[:length] for t in name_tokens(name)))


def initials_key(name: str | None) -> str:
    """Sorted first letters of the tokens: robust to typos past the first letter."""
    return "".join(sorted(t[0] for t in name_tokens(name)))


def _valid_date(y: int, m: int, d: int) -> bool:
    try:
        date(y, m, d)
    except ValueError:
        return False
    return True


def swapped_date(iso: str | None) -> str | None:
    """The date with day and month swapped, when that is a different valid date."""
    parts = _split_date(iso)
    if parts is None:
        return None
    y, m, d = parts
    if m == d or not _valid_date(y, d, m):
        return None
    return f"{y:04d}-{d:02d}-{m:02d}"


def date_key(iso: str | None) -> str | None:
    """Birth date with day and month in ascending order: "1985-07-03" and
    "1985-03-07" give the same key, so a day/month swap still blocks together
    without spending a second key on the swapped date."""
    parts = _split_date(iso)
    if parts is None:
        return None
    y, m, d = parts
    lo, hi = sorted((m, d))
    return f"{y:04d}-{lo:02d}-{hi:02d}"


def _split_date(iso: str | None) -> tuple[int, int, int] | None:
    if not iso or len(iso) < 10:
        return None
    try:
        y, m, d = int(iso[0:4]), int(iso[5:7]), int(iso[8:10])
    except ValueError:
        return None
    return (y, m, d) if _valid_date(y, m, d) else None


def _list(record: Mapping[str, Any], single: str, plural: str) -> list[str]:
    """Read an identifier field from a record (single/list) or a golden (plural)."""
    values: list[str] = []
    one = record.get(single)
    if isinstance(one, str) and one:
        values.append(one)
    many = record.get(plural)
    if isinstance(many, (list, tuple)):
        values.extend(v for v in many if isinstance(v, str) and v)
    return list(dict.fromkeys(values))


def _dedupe(keys: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(keys))


def is_specific(key: str) -> bool:
    """An identifier key or one holding a full birth date: its block stays small
    however large the pool grows (a few customers per date and name, address...)."""
    return not key.startswith(BROAD_PREFIXES)


def candidate_rank(wanted: Iterable[str], keys: Iterable[str]) -> tuple[int, int]:
    """Sort key of a candidate holding ``keys`` for a record with ``wanted`` keys:
    most shared specific keys first, then most shared keys. A candidate found
    through a specific key is never ranked below one that only shares broad ones."""
    shared = set(wanted).intersection(keys)
    return (-sum(1 for k in shared if is_specific(k)), -len(shared))


def postcode_digits_key(postcode: str | None) -> str | None:
    """The postcode's characters sorted: "2036" and "2063" (a transposition, the most
    common postcode typo in typed lists) give the same key."""
    return "".join(sorted(postcode)) if postcode else None


def token_date_keys(name: str | None, dkey: str, limit: int = 3) -> list[str]:
    """One key per name token with the birth date: a duplicate whose given name or
    surname was replaced altogether (a nickname not in the list, a married name, a
    missing surname) still shares the other token and the date."""
    tokens = [t for t in dict.fromkeys(name_tokens(name)) if len(t) > 1][:limit]
    return [f"nt:{t}|{dkey}" for t in tokens]


def blocking_keys(record: Mapping[str, Any], max_keys: int = MAX_KEYS) -> list[str]:
    """Blocking keys of one normalized record, most specific first, at most max_keys.

    Key families (each needs a different subset of fields to be right); <date> is
    the birth date with day/month sorted (:func:`date_key`), so swaps block together:
      nid:<bi>                  national id blind index
      ph:<bi>, em:<bi>          phone (at most 2) / email (at most 1) blind indexes
      ad:<bi>                   address line blind index (any name and date error)
      nd:<name key>|<date>      exact name (in-order and sorted tokens) + birth date
      ni:<initials>|<date>      name typos past the first letter
      nt:<token>|<date>         one name token replaced or missing (at most 3)
      nph:<phonetic>|<year>     name typo + wrong day or month
      nmd:<phonetic>|<mm-dd>    name typo + wrong year
      dp:<date>|<postcode>      any name error
      dps:<date>|<sorted postcode characters>
                                any name error and a postcode transposition
      np:<phonetic>|<postcode>, np3:<token prefixes>|<postcode>
                                any birth-date error, with or without a name typo
    Organizations get name keys without dates (they have no birth date). The
    families in :data:`BROAD_PREFIXES` come last (:func:`is_specific`).
    """
    ids = _list(record, "national_id_bi", "national_id_bis")[:1]
    phones = _list(record, "phone_bi", "phone_bis")[:2]
    emails = _list(record, "email_bi", "email_bis")[:1]
    keys: list[str] = [f"nid:{v}" for v in ids]
    keys += [f"ph:{v}" for v in phones]
    keys += [f"em:{v}" for v in emails]
    keys += [f"ad:{v}" for v in _list(record, "address_bi", "address_bis")[:1]]

    name = record.get("name")
    birth = record.get("birth_date")
    postcode = record.get("postcode")
    nkeys = name_keys(name)
    phon = phonetic_key(name)
    kind = record.get("kind") or "person"
    if kind == "organization":
        keys += [f"org:{k}" for k in nkeys]
        if phon and postcode:
            keys.append(f"np:{phon}|{postcode}")
        return _dedupe(keys)[:max_keys]

    dkey = date_key(birth)
    if dkey:
        keys += [f"nd:{k}|{dkey}" for k in nkeys]
        initials = initials_key(name)
        if initials:
            keys.append(f"ni:{initials}|{dkey}")
        keys += token_date_keys(name, dkey)
        if postcode:
            keys.append(f"dp:{dkey}|{postcode}")
            keys.append(f"dps:{dkey}|{postcode_digits_key(postcode)}")
        if phon:
            keys.append(f"nph:{phon}|{dkey[:4]}")
            keys.append(f"nmd:{phon}|{dkey[5:]}")
    if phon and postcode:
        keys.append(f"np:{phon}|{postcode}")
        keys.append(f"np3:{prefix_key(name)}|{postcode}")
    return _dedupe(keys)[:max_keys]

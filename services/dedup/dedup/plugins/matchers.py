"""Built-in matcher plugins (entry-point group ``crm.matchers``).

Each class implements the :class:`dedup.domain.ports.Matcher` port; the service
loads them through the entry points (``dependencies.py``) and hands them to the
domain, which never imports this module.

A matcher compares one aspect of two customers and returns a similarity in [0, 1],
or None when the aspect cannot be compared (a field is missing on either side). The
None matters: a missing phone is *no evidence*, not evidence against a match.

Either side may be a normalized record (single fields such as ``national_id_bi`` and
``name``) or a golden customer (list fields such as ``national_id_bis`` and
``names``); :func:`dedup.domain.ports.values` reads both shapes, and a golden compares as the best of
its members' values.
"""
from __future__ import annotations

from itertools import permutations
from functools import lru_cache

from pypinyin import lazy_pinyin
from rapidfuzz.distance import OSA, JaroWinkler, Levenshtein

from dedup.domain.keys import name_tokens
from dedup.domain.ports import Customer, Matcher, values

__all__ = ["AddressMatcher", "BirthDateMatcher", "BUILTIN_MATCHERS", "ContactMatcher",
           "ExactIdentifierMatcher", "Matcher", "NameMatcher", "date_similarity",
           "default_matchers", "name_similarity", "values"]


class ExactIdentifierMatcher:
    """National id blind indexes: equal -> 1.0, both present and disjoint -> 0.0.

    Blind indexes are keyed hashes of the normalized id, so equality is exact
    equality of the id; ingestion validates the check digit, so a difference is a
    different person, not a typo.
    """

    name = "exact_identifier"

    def score(self, a: Customer, b: Customer) -> float | None:
        ids_a, ids_b = set(values(a, "national_id_bi")), set(values(b, "national_id_bi"))
        if not ids_a or not ids_b:
            return None
        return 1.0 if ids_a & ids_b else 0.0


class ContactMatcher:
    """Phone / email blind index overlap: any shared -> 1.0, disjoint -> 0.0.

    Disjoint contacts are weak counter-evidence (people change phones), which the
    scoring weights reflect; a shared one is strong evidence.
    """

    name = "contact"

    def score(self, a: Customer, b: Customer) -> float | None:
        pa, pb = set(values(a, "phone_bis")), set(values(b, "phone_bis"))
        ea, eb = set(values(a, "email_bis")), set(values(b, "email_bis"))
        if (pa & pb) or (ea & eb):
            return 1.0
        if (pa and pb) or (ea and eb):
            return 0.0
        return None


@lru_cache(maxsize=20_000)
def _syllable(char: str) -> str:
    return lazy_pinyin(char)[0]


def _jw(x: str, y: str) -> float:
    return JaroWinkler.similarity(x, y)


def _aligned(ta: tuple[str, ...], tb: tuple[str, ...]) -> float:
    """Best product of token similarities over orderings (same token count).

    A product, not a mean: "Zhang Wei" vs "Zhang Min" shares a surname but the given
    names are unrelated, and that must score low; small typos in both tokens still
    keep the product high.
    """
    if len(ta) > 4:
        ta, tb = tuple(sorted(ta)), tuple(sorted(tb))
        orders = [tb]
    else:
        orders = list(permutations(tb))
    best = 0.0
    for order in orders:
        prod = 1.0
        for x, y in zip(ta, order):
            prod *= _jw(x, y)
            if prod <= best:
                break
        best = max(best, prod)
    return best


def _merges(tokens: tuple[str, ...], target: int) -> list[tuple[str, ...]]:
    """All ways of joining adjacent tokens down to ``target`` tokens.

    "Xiao Ming Zhang" -> ("xiaoming", "zhang"), ... so it lines up with the Han
    name's [surname, given] tokens; also "Mary Ann" vs "Maryann".
    """
    if len(tokens) == target:
        return [tokens]
    if len(tokens) < target or len(tokens) > 6:
        return []
    out: list[tuple[str, ...]] = []
    for i in range(len(tokens) - 1):
        joined = tokens[:i] + (tokens[i] + tokens[i + 1],) + tokens[i + 2:]
        out.extend(_merges(joined, target))
    return out


def _subset_score(short: tuple[str, ...], long: tuple[str, ...]) -> float:
    """Score when one name lacks a token (middle name, dropped given name)."""
    best = 0.0
    for order in permutations(long, len(short)) if len(long) <= 5 else [long[: len(short)]]:
        prod = 1.0
        for x, y in zip(short, order):
            # A much longer/shorter token is not the same token with a neighbour
            # missing; edit distance keeps "sunyou" from matching "sun".
            prod *= _jw(x, y) if abs(len(x) - len(y)) <= 2 else \
                OSA.normalized_similarity(x, y)
        best = max(best, prod)
    return best


def _splits(token: str, parts: int) -> list[tuple[str, ...]]:
    """All ways of cutting one token into ``parts`` non-empty pieces.

    "zhangsan" -> ("zhang", "san"), ...: a name typed without spaces lines up with
    a spaced one, and "SUNYOU" is compared token by token with "Sun Fu" instead of
    riding on a shared prefix.
    """
    if parts == 1:
        return [(token,)]
    if len(token) < parts or parts > 3:
        return []
    out: list[tuple[str, ...]] = []
    for i in range(1, len(token) - parts + 2):
        for rest in _splits(token[i:], parts - 1):
            out.append((token[:i],) + rest)
    return out


def _is_han(text: str) -> bool:
    return bool(text) and all("\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff"
                              for c in text)


def _han_similarity(a: str, b: str) -> float:
    """Two Han-script names: compare syllable by syllable (one per character).

    Typing errors in Han script come from pinyin input methods, so they are
    homophones (same syllable, different character, scored 0.95 by the caller) or a
    missing/extra character; a different syllable is a different name, which is why
    this is an edit-distance ratio on syllables, not a string similarity on pinyin
    letters ("吴全" wu-quan vs "吴元" wu-yuan must not look alike).
    """
    sa = [_syllable(c) for c in a]
    sb = [_syllable(c) for c in b]
    dist = Levenshtein.distance(sa, sb)
    if dist == 1 and abs(len(sa) - len(sb)) == 1 and min(len(sa), len(sb)) >= 2:
        # One character dropped ("王言英" -> "王英"): a common slip, but weaker than
        # a homophone; a substituted character stays a different name.
        return 0.8
    return Levenshtein.normalized_similarity(sa, sb)


def name_similarity(a: str, b: str, missing_token_penalty: float = 0.92) -> float:
    """Similarity of two single names in [0, 1], script-neutral and order-free.

    Han vs Han compares syllables; anything involving Latin script compares pinyin /
    Latin tokens with Jaro-Winkler, aligned over orderings, joins and splits of
    tokens, with a small penalty when one name lacks a token (middle name).
    """
    if a == b:
        return 1.0
    ta, tb = name_tokens(a), name_tokens(b)
    if not ta or not tb:
        return 0.0
    ha, hb = _is_han(a), _is_han(b)
    if ta == tb:
        # Same pinyin, different characters: homophone, or Han vs Latin spelling.
        return 0.95 if ha and hb else 1.0
    if ha and hb:
        return _han_similarity(a, b)
    if len(ta) == len(tb):
        return _aligned(ta, tb)
    short, long = (ta, tb) if len(ta) < len(tb) else (tb, ta)
    best = 0.0
    if len(short) > 1:
        # Joining everything into one token would compare on a shared prefix only
        # ("sunyou" vs "sunfu"); a single token is cut into pieces instead, below.
        for merged in _merges(long, len(short)):
            best = max(best, _aligned(short, merged))
    else:
        for split in _splits(short[0], len(long)):
            best = max(best, _aligned(split, long))
    return max(best, missing_token_penalty * _subset_score(short, long))


class NameMatcher:
    """Fuzzy name similarity: Jaro-Winkler on pinyin tokens, order-free.

    When both sides carry a Han-script name, only Han names are compared: the
    characters are the authoritative spelling, and a pinyin variant of one of them
    must not make "吴元" look like "Wu Quan" (one letter from "Wu Yuan").
    """

    name = "name"

    def score(self, a: Customer, b: Customer) -> float | None:
        na, nb = values(a, "names"), values(b, "names")
        if not na or not nb:
            return None
        han_a, han_b = [n for n in na if _is_han(n)], [n for n in nb if _is_han(n)]
        if han_a and han_b:
            na, nb = han_a, han_b
        best = 0.0
        for x in na:
            for y in nb:
                best = max(best, name_similarity(x, y))
                if best >= 1.0:
                    return 1.0
        return best


def date_similarity(x: str, y: str) -> float:
    """Equal 1.0; day/month swapped 0.8; one digit off or two adjacent digits
    transposed 0.7; anything else 0.0 (a different person)."""
    if x == y:
        return 1.0
    if len(x) != 10 or len(y) != 10:
        return 0.0
    if x[:4] == y[:4] and x[5:7] == y[8:10] and x[8:10] == y[5:7]:
        return 0.8
    diffs = [i for i in range(10) if x[i] != y[i]]
    if len(diffs) == 1:
        return 0.7
    if len(diffs) == 2 and diffs[1] == diffs[0] + 1 and x[diffs[0]] == y[diffs[1]] \
            and x[diffs[1]] == y[diffs[0]] and "-" not in (x[diffs[0]], x[diffs[1]]):
        return 0.7
    return 0.0


class BirthDateMatcher:
    """Birth date with typical typo tolerance (see :func:`date_similarity`)."""

    name = "birth_date"

    def score(self, a: Customer, b: Customer) -> float | None:
        da, db = values(a, "birth_dates"), values(b, "birth_dates")
        if not da or not db:
            return None
        return max(date_similarity(x, y) for x in da for y in db)


class AddressMatcher:
    """Address: same address blind index 1.0; same postcode only 0.5; else 0.0.

    Address-line normalization is imperfect, so a different address blind index with
    the same postcode is neutral-ish rather than negative.
    """

    name = "address"

    def score(self, a: Customer, b: Customer) -> float | None:
        aa, ab = set(values(a, "address_bis")), set(values(b, "address_bis"))
        if aa & ab:
            return 1.0
        pa, pb = set(values(a, "postcodes")), set(values(b, "postcodes"))
        if not pa or not pb:
            return None
        return 0.5 if pa & pb else 0.0


BUILTIN_MATCHERS: dict[str, type] = {
    ExactIdentifierMatcher.name: ExactIdentifierMatcher,
    ContactMatcher.name: ContactMatcher,
    NameMatcher.name: NameMatcher,
    BirthDateMatcher.name: BirthDateMatcher,
    AddressMatcher.name: AddressMatcher,
}


def default_matchers() -> list[Matcher]:
    """Instances of all built-in matchers, for callers without a plugin loader."""
    return [cls() for cls in BUILTIN_MATCHERS.values()]

"""Comparison levels per field: what the learned Fellegi-Sunter model weighs (pure).

The hand-set scoring turns each matcher's similarity into a weight by linear
interpolation; a learned model instead sorts every pair into one *level* per
comparison (exact, close, fuzzy, ... different) and learns, per level, how often
true duplicates (m) and unrelated pairs (u) land there. Levels are tried in order
and the first that holds is the pair's level; a comparison whose field is missing on
either side has no level (None): no evidence, as with the matchers.

Either side may be a record or a golden customer (every member's values); a
comparison takes the best level over all value pairs, so survivorship never hides
the spelling that matches. Name similarity comes from the name matcher's evidence
(script-aware: Han syllables, pinyin, token order), so the model sees names the way
the hand-set scoring does.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Callable, Mapping

from rapidfuzz.distance import OSA, JaroWinkler

from .keys import name_tokens
from .ports import values

Customer = Mapping[str, Any]
Evidence = Mapping[str, float | None]

# comparison -> its levels, strongest agreement first; the last is "different".
LEVELS: dict[str, tuple[str, ...]] = {
    "national_id": ("exact", "different"),
    "contact": ("shared", "different"),
    # tokens_typo: one token equal and every other token of the shorter name one edit
    # away from a token of the other (a typo, or an extra middle name): a spelling
    # variant, not a different name. token_shared: one token (surname or given name)
    # equal or close (Jaro-Winkler >= 0.9), the rest not: a token replaced, or a
    # family member
    "name": ("exact", "jw_0.94", "jw_0.85", "tokens_typo", "token_shared", "jw_0.70",
             "different"),
    "birth_date": ("exact", "day_month_swapped", "one_typo", "within_year", "different"),
    # one comparison for the whole address: its parts (line, postcode, city) agree
    # together, and weighing them apart would count one agreement three times.
    # street_exact: the first line (street and number) agrees, the whole address not
    # (a second line missing or misspelt on one side). postcode_typo_and_city: the
    # city agrees and the postcode is one digit or one transposition away (a typo of
    # one home); the next level holds a city alone or a postcode transposed alone
    "address": ("line_exact", "street_exact", "postcode_and_city", "postcode",
                "postcode_typo_and_city", "postcode_transposed_or_city", "different"),
}

# Levels whose weight is adjusted by the frequency of the agreeing value (a rare
# surname agreeing is stronger evidence than "Smith"): level -> (share of the
# adjustment applied, the level whose u is the average the frequency is compared to).
TF_LEVELS: dict[str, dict[str, tuple[float, str]]] = {
    "name": {"exact": (1.0, "exact"), "jw_0.94": (0.5, "exact")},
    "birth_date": {"exact": (1.0, "exact")},
    "address": {"postcode_and_city": (1.0, "postcode_and_city"),
                "postcode": (1.0, "postcode")},
}


def _sets(a: Customer, b: Customer, field: str) -> tuple[set[str], set[str]]:
    return set(values(a, field)), set(values(b, field))


def _binary(field: str) -> Callable[[Customer, Customer, Evidence], int | None]:
    def compare(a: Customer, b: Customer, evidence: Evidence) -> int | None:
        xa, xb = _sets(a, b, field)
        if not xa or not xb:
            return None
        return 0 if xa & xb else 1
    return compare


def _contact(a: Customer, b: Customer, evidence: Evidence) -> int | None:
    pa, pb = _sets(a, b, "phone_bis")
    ea, eb = _sets(a, b, "email_bis")
    if (pa & pb) or (ea & eb):
        return 0
    if (pa and pb) or (ea and eb):
        return 1
    return None


# The name levels of models trained before tokens_typo existed, in their order.
NAME_LEVELS_V1 = tuple(level for level in LEVELS["name"] if level != "tokens_typo")
# Levels added since models were first stored, oldest first -> the older level that
# held them (None: the level the rest of the comparison gives, see
# :func:`level_before`), so a stored model keeps weighing such a pair as it did.
ADDED_LEVELS: dict[str, dict[str, str | None]] = {
    "name": {"tokens_typo": "token_shared"},
    "address": {"postcode_typo_and_city": "postcode_transposed_or_city", "street_exact": None},
}


def _one_edit(x: str, y: str) -> bool:
    return x == y or (min(len(x), len(y)) >= 4 and OSA.distance(x, y) <= 1)


def typo_variant(x: tuple[str, ...], y: tuple[str, ...]) -> bool:
    """Two names of which the shorter (two tokens or more) shares one token exactly and
    has every other token one edit (4+ letters) away from a token of the longer: one
    person's name misspelt ("Emily Ruiz" / "Emily Yuiz"), or written with an extra
    middle name, unlike a replaced given name (a family member, a twin)."""
    short, long_ = (x, y) if len(x) <= len(y) else (y, x)
    if len(short) < 2 or not set(short) & set(long_):
        return False
    return all(any(_one_edit(t, u) for u in long_) for t in short)


def _name(a: Customer, b: Customer, evidence: Evidence) -> int | None:
    sim = evidence.get("name")
    if sim is None:
        return None
    if sim >= 1.0:
        return 0
    if sim >= 0.94:
        return 1
    if sim >= 0.85:
        return 2
    if any(typo_variant(name_tokens(x), name_tokens(y))
           for x in values(a, "names") for y in values(b, "names")):
        return 3
    ta = {t for n in values(a, "names") for t in name_tokens(n) if len(t) > 1}
    tb = {t for n in values(b, "names") for t in name_tokens(n) if len(t) > 1}
    if ta & tb or any(len(x) > 3 and len(y) > 3 and JaroWinkler.similarity(x, y) >= 0.9
                      for x in ta for y in tb):
        return 4
    return 5 if sim >= 0.70 else 6


def _parse(iso: str) -> date | None:
    try:
        return date(int(iso[0:4]), int(iso[5:7]), int(iso[8:10]))
    except (ValueError, IndexError):
        return None


def date_level(x: str, y: str) -> int:
    """Level of two ISO dates: exact, day/month swapped, one character off or two
    adjacent ones transposed, within a year, different."""
    if x == y:
        return 0
    if len(x) != 10 or len(y) != 10:
        return 4
    if x[:4] == y[:4] and x[5:7] == y[8:10] and x[8:10] == y[5:7]:
        return 1
    diffs = [i for i in range(10) if x[i] != y[i]]
    if len(diffs) == 1 or (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                           and x[diffs[0]] == y[diffs[1]] and x[diffs[1]] == y[diffs[0]]):
        return 2
    dx, dy = _parse(x), _parse(y)
    if dx and dy and abs((dx - dy).days) <= 365:
        return 3
    return 4


def _birth_date(a: Customer, b: Customer, evidence: Evidence) -> int | None:
    da, db = values(a, "birth_dates"), values(b, "birth_dates")
    if not da or not db:
        return None
    return min(date_level(x, y) for x in da for y in db)


def _cities(x: Customer) -> set[str]:
    found = {c.casefold().strip() for c in values(x, "city") + values(x, "cities")}
    found.discard("")
    return found


def _address(a: Customer, b: Customer, evidence: Evidence) -> int | None:
    level = address_without_street(a, b)
    sa, sb = _sets(a, b, "street_bis")
    return 1 if level != 0 and sa & sb else level


def address_without_street(a: Customer, b: Customer) -> int | None:
    """The address level when the street lines do not agree (or, for a model trained
    before ``street_exact`` existed, whatever they say): postcode and city."""
    la, lb = _sets(a, b, "address_bis")
    pa, pb = _sets(a, b, "postcodes")
    ca, cb = _cities(a), _cities(b)
    if la & lb:
        return 0
    if not ((la and lb) or (pa and pb) or (ca and cb)):
        return None
    same_city = bool(ca & cb) or any(JaroWinkler.similarity(x, y) >= 0.9
                                     for x in ca for y in cb)
    if pa & pb:
        return 2 if same_city else 3
    if same_city and any(len(x) == len(y) and OSA.distance(x, y) <= 1 for x in pa for y in pb):
        return 4  # OSA: one substitution or one adjacent transposition
    if same_city or {"".join(sorted(p)) for p in pa} & {"".join(sorted(p)) for p in pb}:
        return 5
    return 6


def level_before(comparison: str, level: int | None, known: tuple[str, ...], a: Customer,
                 b: Customer) -> int | None:
    """``level`` as a model that knows only the levels ``known`` sorts the pair: an
    added level becomes the level that held it before it was added."""
    if level is None or LEVELS[comparison][level] in known:
        return level
    holder = ADDED_LEVELS[comparison][LEVELS[comparison][level]]
    if holder is None:  # street_exact: what postcode and city say
        return level_before(comparison, address_without_street(a, b), known, a, b)
    return level_before(comparison, LEVELS[comparison].index(holder), known, a, b)


COMPARE: dict[str, Callable[[Customer, Customer, Evidence], int | None]] = {
    "national_id": _binary("national_id_bis"),
    "contact": _contact,
    "name": _name,
    "birth_date": _birth_date,
    "address": _address,
}


def comparison_vector(a: Customer, b: Customer, evidence: Evidence) -> dict[str, int | None]:
    """The level index of every comparison for one pair (None: not comparable)."""
    return {name: compare(a, b, evidence) for name, compare in COMPARE.items()}

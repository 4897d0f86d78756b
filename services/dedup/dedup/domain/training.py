"""Learning a Fellegi-Sunter model from the pool, without labels (pure).

Following Splink's recipe (written anew here):

* **u** by random sampling: among random pairs of records almost every pair is two
  different people, so the share of random pairs at a level estimates u directly.
* **m** by expectation-maximisation over *blocked* pairs (records sharing a birth
  date; records sharing a name key), where duplicates are common enough to learn
  from. u stays fixed at its sampled value; each E-step computes every pair's match
  probability, each M-step re-estimates m and the blocked pairs' match rate. The
  comparison a session blocks on agrees on every one of its pairs, so that session
  says nothing about its m: it is left out there and learned from the other session.
* **lambda**, the prior that two random records are one person, from the number of
  matches EM finds in its blocked pairs over the number of all pairs.
* **term frequencies** of name tokens, birth dates and postcodes.
"""
from __future__ import annotations

import random
from collections import Counter, defaultdict
from itertools import combinations
from typing import Any, Callable, Iterable, Mapping, Sequence

from .comparisons import LEVELS, comparison_vector
from .keys import date_key, name_tokens, phonetic_key

Record = Mapping[str, Any]
EvidenceFn = Callable[[Record, Record], Mapping[str, float | None]]
Vector = tuple
NAMES = tuple(LEVELS)
M_FLOOR = 0.002

# Sessions: (name, blocking key of a record, comparisons left out of the session).
SESSIONS: tuple[tuple[str, Callable[[Record], str | None], tuple[str, ...]], ...] = (
    ("birth_date", lambda r: date_key(r.get("birth_date")), ("birth_date",)),
    ("name", lambda r: phonetic_key(r.get("name")) or None, ("name",)),
)


def vector(a: Record, b: Record, evidence: EvidenceFn) -> Vector:
    levels = comparison_vector(a, b, evidence(a, b))
    return tuple(levels[name] for name in NAMES)


def level_shares(vectors: Counter, pseudo: float = 0.5) -> list[list[float]]:
    """Per comparison, the share of (non-missing) pairs at each level, smoothed with
    a pseudo-count so a level never seen is rare, not impossible."""
    out = []
    for i, name in enumerate(NAMES):
        counts = [pseudo] * len(LEVELS[name])
        for vec, n in vectors.items():
            if vec[i] is not None:
                counts[vec[i]] += n
        total = sum(counts)
        out.append([c / total for c in counts])
    return out


def random_pairs(n: int, sample: int, rng: random.Random) -> Iterable[tuple[int, int]]:
    """``sample`` random pairs of distinct indexes below n (all pairs if fewer)."""
    if n * (n - 1) // 2 <= sample:
        yield from combinations(range(n), 2)
        return
    for _ in range(sample):
        i, j = rng.randrange(n), rng.randrange(n - 1)
        yield (i, j + 1 if j >= i else j)


def estimate_u(records: Sequence[Record], sample: int, rng: random.Random,
               evidence: EvidenceFn) -> list[list[float]]:
    vectors = Counter(vector(records[i], records[j], evidence)
                      for i, j in random_pairs(len(records), sample, rng))
    return level_shares(vectors)


def blocked_pairs(records: Sequence[Record], key: Callable[[Record], str | None],
                  max_block: int, rng: random.Random) -> list[tuple[int, int]]:
    """Pairs of records sharing a key; a block larger than ``max_block`` is sampled
    down to that many records, so one common key cannot dominate the training."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, rec in enumerate(records):
        k = key(rec)
        if k:
            blocks[k].append(i)
    pairs = []
    for members in blocks.values():
        if len(members) > max_block:
            members = rng.sample(members, max_block)
        pairs.extend(combinations(members, 2))
    return pairs


def _initial_m(name: str) -> list[float]:
    """A neutral start: most duplicates agree fully, the rest spread over the levels."""
    n = len(LEVELS[name])
    return [0.8] + [0.2 / (n - 1)] * (n - 1)


def _floored(counts: list[float], floor: float = M_FLOOR) -> list[float]:
    """Shares of ``counts``, none below ``floor``: a level no duplicate of the training
    pool showed is rare among duplicates, not impossible (which would make its weight
    veto every future pair)."""
    total = sum(counts) or 1.0
    shares = [max(c / total, floor) for c in counts]
    s = sum(shares)
    return [x / s for x in shares]


def expectation_maximisation(vectors: Counter, u: list[list[float]], skip: Iterable[int],
                             lam: float = 0.3, iterations: int = 25,
                             tolerance: float = 1e-5) -> tuple[list[list[float]], float]:
    """m per comparison and the match rate among ``vectors`` (u fixed; comparisons in
    ``skip`` ignored)."""
    skip = set(skip)
    active = [i for i in range(len(NAMES)) if i not in skip]
    m = [_initial_m(name) for name in NAMES]
    for _ in range(iterations):
        weights: list[tuple[Vector, int, float]] = []
        for vec, n in vectors.items():
            pm, pu = lam, 1.0 - lam
            for i in active:
                if vec[i] is not None:
                    pm *= m[i][vec[i]]
                    pu *= u[i][vec[i]]
            weights.append((vec, n, pm / (pm + pu) if pm + pu > 0 else 0.0))
        total = sum(n for _, n, _ in weights)
        new_lam = sum(n * p for _, n, p in weights) / total if total else lam
        new_m = [list(row) for row in m]
        for i in active:
            counts = [0.0] * len(m[i])
            for vec, n, p in weights:
                if vec[i] is not None:
                    counts[vec[i]] += n * p
            new_m[i] = _floored(counts)
        change = max([abs(new_lam - lam)] + [abs(x - y) for i in active
                                             for x, y in zip(new_m[i], m[i])])
        m, lam = new_m, min(max(new_lam, 1e-9), 1 - 1e-9)
        if change < tolerance:
            break
    return m, lam


def term_frequencies(records: Sequence[Record], top: int = 5000) -> dict[str, dict]:
    """Share of records bearing each name token, birth date and postcode (the ``top``
    most frequent kept; the rest count as the floor, the smallest share kept)."""
    counters = {"name": Counter(), "birth_date": Counter(), "address": Counter()}
    for rec in records:
        counters["name"].update(set(name_tokens(rec.get("name"))))
        if rec.get("birth_date"):
            counters["birth_date"][rec["birth_date"]] += 1
        if rec.get("postcode"):  # the address's frequency is its postcode's
            counters["address"][rec["postcode"]] += 1
    n = max(len(records), 1)
    out = {}
    for field, counter in counters.items():
        common = counter.most_common(top)
        table = {value: count / n for value, count in common}
        floor = min(table.values()) if len(counter) > top else 1.0 / n
        out[field] = {"table": table, "floor": floor}
    return out


def train(records: Sequence[Record], evidence: EvidenceFn, sample: int = 20000,
          seed: int = 1, max_block: int = 50) -> dict[str, Any]:
    """A model learned from ``records`` (the pool's member records)."""
    rng = random.Random(seed)
    u = estimate_u(records, sample, rng, evidence)
    m_sum = [[0.0] * len(LEVELS[name]) for name in NAMES]
    m_n = [0] * len(NAMES)
    matches, sessions = 0.0, []
    for session, key, left_out in SESSIONS:
        pairs = blocked_pairs(records, key, max_block, rng)
        vectors = Counter(vector(records[i], records[j], evidence) for i, j in pairs)
        skip = [NAMES.index(c) for c in left_out]
        m, lam = expectation_maximisation(vectors, u, skip)
        for i in range(len(NAMES)):
            if i not in skip and pairs:
                m_sum[i] = [s + x for s, x in zip(m_sum[i], m[i])]
                m_n[i] += 1
        matches = max(matches, lam * len(pairs))
        sessions.append({"blocked_on": session, "pairs": len(pairs), "match_rate": lam})
    m_final = [[s / m_n[i] for s in m_sum[i]] if m_n[i] else _initial_m(NAMES[i])
               for i in range(len(NAMES))]
    n = len(records)
    all_pairs = max(n * (n - 1) // 2, 1)
    lam_global = min(max(matches / all_pairs, 1.0 / all_pairs), 0.5)
    return {
        "lambda": lam_global,
        "comparisons": {name: {"levels": [{"m": m_final[i][k], "u": u[i][k]}
                                          for k in range(len(LEVELS[name]))]}
                        for i, name in enumerate(NAMES)},
        "tf": term_frequencies(records),
        "training": {"records": n, "random_pairs": min(sample, all_pairs),
                     "sessions": sessions},
    }

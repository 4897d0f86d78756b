"""`crm dedup train` and `crm dedup params` on the real stack (issue 17, point 2).

The test builds a small pool of its own (Latin names no other test uses, typo'd
duplicates), trains, reads the weights back, and checks that decisions name the
parameter version that took them: a review opened before training carries version 0
and the hand-set evidence, one opened after carries the new version and its levels.
Stored versions are never changed by a later training. The versions are removed at
the end, so the rest of the session's tests run with the hand-set weights again.
"""
from __future__ import annotations

import json
import random

import pytest

from .helpers import record, reviews

pytestmark = pytest.mark.integration

GIVEN = ["Quillon", "Marisol", "Thaddeus", "Oriane", "Leopold", "Ysolde", "Benedikt",
         "Cosima", "Evander", "Ludovica"]
FAMILY = ["Vrabec", "Okonkwo", "Haldane", "Pellegrini", "Szymanska", "Drummond",
          "Achterberg", "Lindqvist", "Marchetti", "Oyelaran", "Castellanos", "Brannigan"]


def _pool(rng: random.Random) -> list[dict]:
    """Distinct people (name, birth date, postcode, phone) and a typo'd duplicate of
    every second one, from other sources, registered later."""
    out = []
    for i in range(72):
        name = f"{GIVEN[i % len(GIVEN)]} {FAMILY[i % len(FAMILY)]}{'' if i < 60 else 'e'}"
        birth = f"19{40 + i % 50}-{1 + i % 12:02d}-{1 + (i * 7) % 28:02d}"
        postcode = str(610000 + i * 37)
        phone = f"1560009{i:04d}"
        out.append(record("lmA", f"a-{i}", name, "LM01", birth_date=birth, phones=[phone],
                          address={"postcode": postcode, "city": "成都"}))
        if i % 2 == 0:
            pos = rng.randrange(1, len(name) - 1)
            typo = name[:pos] + ("x" if name[pos] != "x" else "y") + name[pos + 1:]
            out.append(record("lmB", f"b-{i}", typo if i % 4 == 0 else name, "LM01",
                              birth_date=birth, phones=[phone],
                              address={"postcode": postcode, "city": "成都"},
                              registered_at="2025-02-01T09:00:00"))
    return out


def _name_only_pair(tag: str, name: str) -> list[dict]:
    """Two organizations of one rare name and nothing else to compare: a review under
    any parameters (they block on the name; a name alone never merges)."""
    return [{**record(f"lq{tag}A", "a-1", name, "LM01", registered_at="2024-04-01T09:00:00"),
             "kind": "organization"},
            {**record(f"lq{tag}B", "b-1", name, "LM01", registered_at="2025-04-01T09:00:00"),
             "kind": "organization"}]


def _review_of(stack, record_id: str) -> dict:
    found = [r for r in reviews(stack) if r["record_id"] == record_id]
    assert len(found) == 1, (record_id, found)
    return found[0]


def _params(stack, *args: str) -> dict:
    [result] = stack.crm_json("dedup", "params", "--json", *args)
    return result


def test_train_then_params_and_decisions_by_version(stack):
    versions = stack.db("dedup")["match_params"]
    versions.delete_many({})
    try:
        hand = _params(stack)
        assert hand["version"] == 0 and hand["learned"] is False
        assert {r["comparison"] for r in hand["weights"]} >= {"name", "birth_date"}

        stack.publish(_pool(random.Random(17)))
        stack.publish(_name_only_pair("0", "Quaritch Vrabec Holdings"))
        stack.drain()
        before = _review_of(stack, "lq0B:b-1")
        assert before["params_version"] == 0
        assert before["evidence"]["name"]["similarity"] == 1.0

        [trained] = stack.crm_json("dedup", "train", "--sample", "3000", "--json")
        assert trained["version"] >= 1 and trained["records"] >= 108
        assert [s["blocked_on"] for s in trained["sessions"]] == ["birth_date", "name"]
        shown = _params(stack)
        assert shown["version"] == trained["version"] and shown["learned"] is True
        rows = {(r["comparison"], r["level"]): r for r in shown["weights"]}
        exact, different = rows[("birth_date", "exact")], rows[("birth_date", "different")]
        assert exact["weight"] > 0 > different["weight"]
        # u: how often random pairs agree exactly (depends on the whole pool, which other
        # tests share); an exact birth date must be far likelier among matches
        assert 0 < exact["u"] < 0.5 and exact["u"] < exact["m"] <= 1
        assert shown["thresholds"] == {"match_probability": 0.99, "review_probability": 0.5}
        chart = stack.crm("dedup", "params").stdout
        assert f"parameter version {trained['version']}" in chart and "birth_date" in chart

        stack.publish(_name_only_pair("1", "Oyelaran Szymanska Works"))
        stack.drain()
        after = _review_of(stack, "lq1B:b-1")
        assert after["params_version"] == trained["version"]
        assert after["evidence"]["name"]["level"] == "exact"
        assert before == _review_of(stack, "lq0B:b-1")  # an earlier decision stays as taken

        [again] = stack.crm_json("dedup", "train", "--sample", "3000", "--json")
        assert again["version"] == trained["version"] + 1
        assert _params(stack)["version"] == again["version"]
        kept = _params(stack, "--version", str(trained["version"]))
        assert json.dumps(kept["weights"]) == json.dumps(shown["weights"])
        assert kept["newest"] == again["version"]
    finally:
        versions.delete_many({})
    assert _params(stack)["version"] == 0

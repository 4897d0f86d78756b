"""Comparison levels, the learned Fellegi-Sunter scoring and the training (pure)."""
import math
import random

import pytest

from dedup.domain import fellegi_sunter as fs
from dedup.domain.comparisons import (ADDED_LEVELS, LEVELS, NAME_LEVELS_V1, comparison_vector,
                                      date_level, level_before, typo_variant)
from dedup.domain.scoring import decide, merged_params
from dedup.domain.training import (NAMES, estimate_u, expectation_maximisation, term_frequencies, train)
from dedup.plugins.matchers import NameMatcher, default_matchers

M = default_matchers()
NAME = NameMatcher()


def evidence(a, b):
    return {"name": NAME.score(a, b)}


def rec(**kw):
    base = {"kind": "person", "name": "Sophie Cnoboy", "birth_date": "1936-09-10",
            "national_id_bi": None, "phone_bis": [], "email_bis": [], "postcode": "3163",
            "address_bi": None, "city": "st albans"}
    base.update(kw)
    return base


def level(vec, name):
    return LEVELS[name][vec[name]] if vec[name] is not None else None


# -- comparison levels -----------------------------------------------------------------
@pytest.mark.parametrize("x,y,expected", [
    ("1985-03-07", "1985-03-07", "exact"),
    ("1985-03-07", "1985-07-03", "day_month_swapped"),
    ("1985-03-07", "1985-03-08", "one_typo"),
    ("1985-03-17", "1985-03-71", "one_typo"),            # adjacent transposition
    ("1985-03-07", "1985-11-28", "within_year"),
    ("1985-03-07", "1986-01-20", "within_year"),
    ("1985-03-07", "1990-11-28", "different"),
])
def test_date_levels(x, y, expected):
    assert LEVELS["birth_date"][date_level(x, y)] == expected
    assert date_level(x, y) == date_level(y, x)


def test_name_levels_follow_the_name_matcher_and_shared_tokens():
    a = rec()
    for other, expected in [("Sophie Cnoboy", "exact"), ("Cnoboy Sophie", "exact"),
                            ("Sophie Cnoboyy", "jw_0.94"), ("Sophie Cnboy", "jw_0.85"), ("Sophie Reid", "token_shared"),
                            ("Mark Fitzgerald", "different")]:
        b = rec(name=other)
        assert level(comparison_vector(a, b, evidence(a, b)), "name") == expected, other
    a, b = rec(name="Emily Ruiz"), rec(name="Emily Yuiz")
    assert level(comparison_vector(a, b, evidence(a, b)), "name") == "tokens_typo"


@pytest.mark.parametrize("x,y,expected", [
    ("emily ruiz", "emily yuiz", True),            # one letter replaced
    ("larry graham", "lcarry graham", True),       # one letter inserted
    ("laura justin ruiz", "laura rutz", True),     # extra middle name, typo in the other
    ("mary cole", "mary cloe", True),              # two letters transposed
    ("nathan hayes", "jesse hayes", False),        # given name replaced: twins look so
    ("reeve mileq", "reeve quilliam", False),      # surname replaced
    ("ann lee", "anna lee", False),                # short tokens: names, not typos
    ("emily yuiz", "emilo yuoz", False),           # no token equal
    ("emily", "emily ruiz", False),                # one token alone says too little
])
def test_typo_variant_tells_a_misspelling_from_a_replaced_name(x, y, expected):
    assert typo_variant(tuple(x.split()), tuple(y.split())) is expected
    assert typo_variant(tuple(y.split()), tuple(x.split())) is expected


def test_missing_fields_give_no_level_and_a_golden_compares_through_every_member():
    a = rec(birth_date=None, postcode=None, city=None)
    vec = comparison_vector(a, rec(), evidence(a, rec()))
    assert vec["birth_date"] is None and vec["address"] is None and vec["contact"] is None
    golden = {"kind": "person", "names": ["Sophie Cnoboy"], "birth_dates": ["1950-01-01",
              "1936-09-10"], "postcodes": ["9999", "3163"], "cities": ["st albans"]}
    vec = comparison_vector(rec(), golden, evidence(rec(), golden))
    assert level(vec, "birth_date") == "exact"
    assert level(vec, "address") == "postcode_and_city"


def test_address_levels():
    a = rec(address_bi="line1")
    cases = [(rec(address_bi="line1", postcode="1111"), "line_exact"),
             (rec(address_bi="line2"), "postcode_and_city"),
             (rec(address_bi="line2", city="richmond"), "postcode"),
             (rec(address_bi="line2", postcode="3136", city="richmond"),
              "postcode_transposed_or_city"),
             (rec(address_bi="line2", postcode="2000", city="richmond"), "different")]
    for b, expected in cases:
        assert level(comparison_vector(a, b, {}), "address") == expected, expected


def test_the_street_line_agreeing_without_the_whole_address_has_its_own_level():
    a = rec(address_bi="9milbusplace gullamurra", street_bi="9milbusplace")
    cases = [(rec(address_bi="9milbusplace", street_bi="9milbusplace"), "street_exact"),
             (rec(address_bi="9milbusplace gullamurra", street_bi="9milbusplace"), "line_exact"),
             (rec(address_bi="9milbusplace", street_bi="9milbusplace", postcode="2000",
                  city="richmond"), "street_exact"),
             (rec(address_bi="4milbusplace", street_bi="4milbusplace"), "postcode_and_city")]
    for b, expected in cases:
        assert level(comparison_vector(a, b, {}), "address") == expected, b["address_bi"]


def test_a_postcode_typo_in_the_same_city_has_its_own_level():
    a = rec(address_bi="line1")  # 3163 st albans
    cases = [(rec(postcode="3168"), "postcode_typo_and_city"),
             (rec(postcode="3136", city="St Albans"), "postcode_typo_and_city"),
             (rec(postcode="3999"), "postcode_transposed_or_city"),  # the city alone
             (rec(postcode="31633"), "postcode_transposed_or_city"),  # not one substitution
             (rec(postcode="3168", city="richmond"), "different")]
    for b, expected in cases:
        assert level(comparison_vector(a, b, {}), "address") == expected, b["postcode"]


# -- training ---------------------------------------------------------------------------
def _pool(seed=3, people=300, dup_share=0.5):
    """People with distinct names and dates; some with a typo'd duplicate."""
    rng = random.Random(seed)
    given = ["sophie", "liam", "noah", "olivia", "mia", "jack", "ella", "lucas", "chloe", "zoe"]
    family = [f"{a}{b}son" for a in "bcdfghklmnprstvw" for b in "aeiou"]
    records, truth = [], {}
    for i in range(people):
        r = rec(name=f"{rng.choice(given)} {rng.choice(family)}",
                birth_date=f"19{rng.randrange(30, 99)}-{rng.randrange(1, 13):02d}-"
                           f"{rng.randrange(1, 29):02d}",
                postcode=str(rng.randrange(2000, 2400)), city=rng.choice(["a", "b", "c"]),
                national_id_bi=f"id{i}", address_bi=f"ad{i}", record_id=f"r{i}")
        records.append(r)
        truth[r["record_id"]] = i
        if rng.random() < dup_share:
            name = r["name"]
            pos = rng.randrange(1, len(name) - 1)
            typo = name[:pos] + "x" + name[pos + 1:] if rng.random() < 0.5 else name
            d = dict(r, name=typo, record_id=f"d{i}",
                     national_id_bi=f"id{i}" if rng.random() < 0.8 else f"typo{i}")
            records.append(d)
            truth[d["record_id"]] = i
    return records, truth


def test_u_from_random_pairs_is_small_for_agreement_and_large_for_difference():
    records, _ = _pool()
    u = estimate_u(records, 5000, random.Random(1), evidence)
    ni = NAMES.index("national_id")
    assert u[ni][0] < 0.01 < 0.99 < u[ni][1]
    assert math.isclose(sum(u[NAMES.index("name")]), 1.0)


def test_em_recovers_m_from_unlabelled_pairs():
    """Synthetic comparison vectors from known m, u and match rate: EM gets m back."""
    rng = random.Random(5)
    true_m = {"national_id": [0.8, 0.2], "birth_date": [0.9, 0.04, 0.03, 0.01, 0.02]}
    u = [[1.0 / len(LEVELS[n])] * len(LEVELS[n]) for n in NAMES]
    u[NAMES.index("national_id")] = [0.001, 0.999]
    u[NAMES.index("birth_date")] = [0.001, 0.001, 0.003, 0.02, 0.975]
    u[NAMES.index("name")] = [0.001, 0.001, 0.003, 0.02, 0.005, 0.97]
    m_name = [0.7, 0.15, 0.08, 0.04, 0.01, 0.02]
    vectors = {}
    for _ in range(20000):
        match = rng.random() < 0.3
        vec = []
        for i, n in enumerate(NAMES):
            if n in ("contact", "address"):
                vec.append(None)
                continue
            dist = ({"name": m_name, **true_m}[n] if match else u[i])
            vec.append(rng.choices(range(len(dist)), dist)[0])
        vectors[tuple(vec)] = vectors.get(tuple(vec), 0) + 1
    from collections import Counter
    m, lam = expectation_maximisation(Counter(vectors), u, skip=[], lam=0.5, iterations=60)
    assert lam == pytest.approx(0.3, abs=0.02)
    assert m[NAMES.index("national_id")][0] == pytest.approx(0.8, abs=0.03)
    assert m[NAMES.index("birth_date")][0] == pytest.approx(0.9, abs=0.03)


def test_trained_model_weights_agreement_up_and_difference_down():
    records, _ = _pool()
    model = train(records, evidence, sample=5000)
    for name in ("national_id", "name", "birth_date"):
        first, last = model["comparisons"][name]["levels"][0], \
            model["comparisons"][name]["levels"][-1]
        assert math.log2(first["m"] / first["u"]) > 3, name
        assert math.log2(last["m"] / last["u"]) < 0, name
    assert 0 < model["lambda"] < 0.01
    assert {s["blocked_on"] for s in model["training"]["sessions"]} == {"birth_date", "name"}


def test_term_frequencies_share_of_records():
    records = [rec(name="john smith"), rec(name="mary smith"), rec(name="john zed"),
               rec(name="amy quo")]
    tf = term_frequencies(records)
    assert tf["name"]["table"]["smith"] == 0.5 and tf["name"]["table"]["quo"] == 0.25
    assert tf["birth_date"]["table"]["1936-09-10"] == 1.0


# -- scoring with a model ----------------------------------------------------------------
def _model(records):
    base = merged_params({"national_id_conflict": "evidence"})  # as config.yaml sets
    return fs.params_with(base, train(records, evidence, sample=5000), 3)


def test_rare_name_counts_more_than_a_common_one():
    records = [rec(name=f"john smith{'abc'[i % 3]}", record_id=str(i)) for i in range(60)]
    records += [rec(name=f"zebedee q{a}{b}", record_id=f"z{a}{b}")
                for a in "abcdefgh" for b in "abcdefgh"]
    model = _model(records)["model"]
    common, rare = rec(name="john smitha"), rec(name="zebedee qab")
    lv = LEVELS["name"].index("exact")
    assert fs.tf_adjustment(model, "name", lv, rare, rare) > \
        fs.tf_adjustment(model, "name", lv, common, common)


def test_learned_decision_uses_probability_thresholds_and_keeps_the_rules():
    records, _ = _pool()
    params = _model(records)
    assert params["params_version"] == 3
    a = rec(name="olivia bason", national_id_bi="x1", address_bi="l1")
    same = decide(a, rec(name="olivia basxn", national_id_bi="x1", address_bi="l1"), M, params)
    assert same.decision == "match"
    typo = decide(a, rec(name="olivia basxn", address_bi="l1", national_id_bi="x2"), M, params)
    assert typo.levels and typo.rule is None and 0 <= typo.score <= 1
    assert typo.decision == ("match" if typo.score >= params["match_probability"] else
                             "possible" if typo.score >= params["review_probability"] else
                             "no_match")
    namesake = decide(a, rec(name="olivia bason", birth_date="1970-01-01", phone_bis=["p"],
                             national_id_bi=None, address_bi="l1"), M,
                      {**params, "national_id_conflict": "evidence"})
    assert namesake.decision == "no_match" and namesake.rule == "different_birth_date"


def test_household_contact_does_not_carry_a_different_name():
    records, _ = _pool()
    params = _model(records)
    a = rec(name="jack bason", phone_bis=["home"], address_bi="l1")
    twin = rec(name="chloe bason", phone_bis=["home"], address_bi="l1")
    result = decide(a, twin, M, params)
    assert result.rule == "household_evidence_ignored" and result.decision != "match"


def test_household_rule_does_not_take_a_misspelt_name_for_a_family_member():
    records, _ = _pool()
    params = _model(records)
    a = rec(name="emily ruiz", phone_bis=["home"], address_bi="l1")
    result = decide(a, rec(name="emily yuiz", phone_bis=["home"], address_bi="l1"), M, params)
    assert result.levels["name"] == LEVELS["name"].index("tokens_typo")
    assert result.rule is None and result.decision == "match"


def test_a_twin_without_id_or_contact_is_at_most_possible():
    # Twins share surname, birth date and home: with no id or contact comparable,
    # nothing of the person's own tells them from a duplicate with a replaced given name.
    records, _ = _pool()
    params = _model(records)
    a = rec(name="nathan hayes", address_bi="l1", phone_bis=["p1"])
    twin = decide(a, rec(name="jesse hayes", address_bi="l1"), M, params)
    assert twin.levels["name"] == LEVELS["name"].index("token_shared")
    assert twin.score >= params["match_probability"]  # the model alone would merge
    assert twin.decision == "possible" and twin.rule == "household_member"
    typo = decide(a, rec(name="nathan hayse", address_bi="l1"), M, params)
    assert typo.decision == "match" and typo.rule is None
    with_id = decide(rec(name="nathan hayes", address_bi="l1", national_id_bi="x1"),
                     rec(name="jesse hayes", address_bi="l1", national_id_bi="x1"), M, params)
    assert with_id.decision == "match"


def _without(model, comparison, labels):
    entries = model["comparisons"][comparison]["levels"]
    return {**model, "comparisons": {**model["comparisons"], comparison: {"levels": [
        e for e, label in zip(entries, LEVELS[comparison]) if label not in labels]}}}


@pytest.mark.parametrize("comparison", sorted(ADDED_LEVELS))
def test_a_model_trained_before_a_level_was_added_weighs_it_as_the_level_that_held_it(
        comparison):
    records, _ = _pool()
    model = train(records, evidence, sample=2000)
    added = ADDED_LEVELS[comparison]
    old = _without(model, comparison, added)
    for label, holder in added.items():
        if holder is None:  # no fixed level held it: see the street test below
            continue
        new, held = LEVELS[comparison].index(label), LEVELS[comparison].index(holder)
        assert fs.level_weight(old, comparison, new) == fs.level_weight(old, comparison, held) \
            == fs.level_weight(model, comparison, held)
    assert [r["level"] for r in fs.weights_chart(old) if r["comparison"] == comparison] == \
        [label for label in LEVELS[comparison] if label not in added]
    if comparison == "name":
        assert tuple(label for label in LEVELS["name"] if label not in added) == NAME_LEVELS_V1


def test_a_model_trained_before_street_exact_sorts_the_pair_by_postcode_and_city():
    records, _ = _pool()
    model = train(records, evidence, sample=2000)
    a = rec(address_bi="l1+unit4", street_bi="l1")
    b = rec(address_bi="l1", street_bi="l1", postcode="3136")  # st albans, transposed
    assert level(comparison_vector(a, b, {}), "address") == "street_exact"
    for labels, expected in [(("street_exact",), "postcode_typo_and_city"),
                             (("street_exact", "postcode_typo_and_city"),
                              "postcode_transposed_or_city")]:
        old = _without(model, "address", labels)
        assert fs.level_names(old, "address") == tuple(
            x for x in LEVELS["address"] if x not in labels)
        _, levels, weights = fs.score(old, a, b, evidence(a, b))
        assert LEVELS["address"][levels["address"]] == expected
        assert weights["address"] == fs.level_weight(old, "address", levels["address"])
    _, levels, _ = fs.score(model, a, b, evidence(a, b))
    assert LEVELS["address"][levels["address"]] == "street_exact"
    assert level_before("address", None, LEVELS["address"][2:], a, b) is None


def test_without_a_model_the_hand_set_weights_decide():
    params = fs.params_with(merged_params({}), None, 0)
    assert "model" not in params and params["params_version"] == 0
    result = decide(rec(phone_bis=["p"]), rec(phone_bis=["p"]), M, params)
    assert result.levels == {} and result.decision == "match"
    assert fs.explain(result)["name"]["similarity"] == 1.0


def test_weights_chart_lists_every_level_with_its_weight():
    records, _ = _pool()
    model = train(records, evidence, sample=2000)
    rows = fs.weights_chart(model)
    assert rows[0]["comparison"] == "prior"
    assert len(rows) == 1 + sum(len(v) for v in LEVELS.values())
    row = next(r for r in rows if r["comparison"] == "name" and r["level"] == "exact")
    assert row["weight"] == pytest.approx(math.log2(row["m"] / row["u"]), abs=0.01)
    assert row["tf_adjusted"] is True

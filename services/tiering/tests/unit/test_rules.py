"""Rules document: merge, version, validation (tiering.domain.rules) and rules.yaml."""
import copy
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from tiering.domain.rules import (
    deep_merge,
    effective_params,
    params_hash,
    rules_version,
    to_decimal,
    validate_rules,
)
from tiering.plugins.schemes import BUILTIN_SCHEMES

RULES_YAML = Path(__file__).resolve().parents[2] / "tiering" / "rules.yaml"


def doc():
    return {
        "version": "2026-11-01",
        "schemes": {
            "star": {"thresholds": {"3": 50000, "4": 300000, "5": 1000000}},
            "service_band": {"staff_from": 50000, "branch_from": 100000},
            "intent": {"undecided_class": "C"},
        },
        "branches": {
            "BJ001": {"star": {"thresholds": {"3": 40000}}},
            "SH002": {"service_band": {"branch_from": 120000}},
        },
    }


# ---------------------------------------------------------------- to_decimal


@pytest.mark.parametrize(
    "raw, expected",
    [
        (50000, Decimal("50000")),
        (49999.99, Decimal("49999.99")),
        ("50000", Decimal("50000")),
        (" 49999.99 ", Decimal("49999.99")),
        (Decimal("1E+6"), Decimal("1000000")),
    ],
)
def test_to_decimal_reads_numbers_exactly(raw, expected):
    assert to_decimal(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "  ", "abc", "1,000,000", True, float("nan"), float("inf"), "NaN", [1]])
def test_to_decimal_rejects_non_numbers(raw):
    assert to_decimal(raw) is None


# ---------------------------------------------------------------- merge


def test_deep_merge_merges_nested_and_replaces_leaves_without_mutating():
    base = {"a": {"x": 1, "y": 2}, "list": [1, 2], "keep": "k"}
    override = {"a": {"y": 20}, "list": [3]}
    before = copy.deepcopy(base)
    assert deep_merge(base, override) == {"a": {"x": 1, "y": 20}, "list": [3], "keep": "k"}
    assert base == before


def test_deep_merge_result_shares_no_mapping_or_list_with_its_inputs():
    """Leaves are shared (immutable), containers are not: changing the result, as a
    scheme might, must never reach the loaded rules document or a cached merge."""
    base = {"a": {"x": [1, {"deep": 2}]}, "b": {"c": 1}, "levels": ["gold"]}
    override = {"b": {"d": [5]}, "e": {"f": {"g": 1}}}
    before_base, before_override = copy.deepcopy(base), copy.deepcopy(override)
    merged = deep_merge(base, override)
    merged["a"]["x"][1]["deep"] = 99
    merged["a"]["x"].append(3)
    merged["b"]["d"].append(6)
    merged["e"]["f"]["g"] = 2
    merged["levels"].clear()
    assert (base, override) == (before_base, before_override)


def test_effective_params_branch_override_changes_one_threshold():
    assert effective_params(doc(), "star", "BJ001") == {
        "thresholds": {"3": 40000, "4": 300000, "5": 1000000}
    }


def test_effective_params_other_branch_and_no_branch_get_defaults():
    defaults = {"thresholds": {"3": 50000, "4": 300000, "5": 1000000}}
    assert effective_params(doc(), "star", None) == defaults
    assert effective_params(doc(), "star", "SH002") == defaults  # overrides another scheme only
    assert effective_params(doc(), "star", "XX999") == defaults  # unknown branch


def test_effective_params_unknown_scheme_is_empty_and_result_is_a_copy():
    rules = doc()
    assert effective_params(rules, "nope", "BJ001") == {}
    params = effective_params(rules, "star", None)
    params["thresholds"]["3"] = 1
    assert rules["schemes"]["star"]["thresholds"]["3"] == 50000


# ---------------------------------------------------------------- version


def test_rules_version_format():
    version = rules_version(doc(), "star", None)
    prefix, _, digest = version.partition("+")
    assert prefix == "2026-11-01"
    assert len(digest) == 10 and all(c in "0123456789abcdef" for c in digest)
    assert digest == params_hash({"thresholds": {"3": 50000, "4": 300000, "5": 1000000}})


def test_rules_version_is_stable():
    assert rules_version(doc(), "star", None) == rules_version(doc(), "star", None)
    # key order and equal-valued number spellings do not matter
    reordered = doc()
    reordered["schemes"]["star"] = {"thresholds": {"5": 1000000.0, "4": "300000", "3": 50000}}
    assert rules_version(reordered, "star", None) == rules_version(doc(), "star", None)


def test_rules_version_changes_when_a_threshold_changes():
    changed = doc()
    changed["schemes"]["star"]["thresholds"]["4"] = 300001
    assert rules_version(changed, "star", None) != rules_version(doc(), "star", None)
    # ... but the other schemes keep their version
    assert rules_version(changed, "intent", None) == rules_version(doc(), "intent", None)


def test_rules_version_differs_per_branch_only_where_overridden():
    rules = doc()
    assert rules_version(rules, "star", "BJ001") != rules_version(rules, "star", None)
    assert rules_version(rules, "star", "SH002") == rules_version(rules, "star", None)


def test_rules_version_follows_document_version():
    bumped = doc()
    bumped["version"] = "2027-01-01"
    old, new = rules_version(doc(), "star", None), rules_version(bumped, "star", None)
    assert new.startswith("2027-01-01+") and new.split("+")[1] == old.split("+")[1]


def test_rules_version_without_version():
    rules = doc()
    del rules["version"]
    assert rules_version(rules, "star", None).startswith("unversioned+")


# ---------------------------------------------------------------- validation


def test_valid_document_has_no_errors():
    assert validate_rules(doc(), BUILTIN_SCHEMES) == []


def test_validate_accepts_plain_scheme_names_for_structure_only():
    assert validate_rules(doc(), ["star", "service_band", "intent"]) == []


def test_validate_rejects_non_mapping():
    assert validate_rules(["x"], BUILTIN_SCHEMES) == ["rules document must be a mapping, got list"]


def test_validate_missing_version_and_schemes():
    errors = validate_rules({}, BUILTIN_SCHEMES)
    assert "version is missing" in errors
    assert any("schemes must be a mapping" in e for e in errors)


def test_validate_unknown_scheme_in_defaults_and_branch():
    rules = doc()
    rules["schemes"]["stars"] = {}
    rules["branches"]["BJ001"]["vip"] = {}
    errors = validate_rules(rules, BUILTIN_SCHEMES)
    assert any(e.startswith("schemes: unknown scheme 'stars'") for e in errors)
    assert any(e.startswith("branches.BJ001: unknown scheme 'vip'") for e in errors)


def test_validate_non_numeric_threshold():
    rules = doc()
    rules["schemes"]["star"]["thresholds"]["4"] = "lots"
    assert validate_rules(rules, BUILTIN_SCHEMES) == [
        "schemes.star: thresholds: threshold 4 must be a number, got 'lots'"
    ]


def test_validate_thresholds_not_increasing():
    rules = doc()
    rules["schemes"]["star"]["thresholds"]["4"] = 50000
    assert validate_rules(rules, BUILTIN_SCHEMES) == [
        "schemes.star: thresholds: threshold 4 (50000) must be greater than threshold 3 (50000)"
    ]


def test_validate_branch_override_breaking_order_is_caught():
    rules = doc()
    rules["branches"]["BJ001"]["star"]["thresholds"]["3"] = 400000
    errors = validate_rules(rules, BUILTIN_SCHEMES)
    assert errors == [
        "branches.BJ001.star: thresholds: threshold 4 (300000) must be greater than threshold 3 (400000)"
    ]


def test_validate_unquoted_integer_keys():
    rules = doc()
    rules["schemes"]["star"]["thresholds"] = {3: 50000, "4": 300000, "5": 1000000}
    errors = validate_rules(rules, BUILTIN_SCHEMES)
    assert any("key 3 must be a string" in e for e in errors)


def test_validate_unknown_star_level():
    rules = doc()
    rules["schemes"]["star"]["thresholds"]["6"] = 5000000
    assert any("unknown star level '6'" in e for e in validate_rules(rules, BUILTIN_SCHEMES))


def test_validate_service_band_problems():
    rules = doc()
    rules["schemes"]["service_band"] = {
        "branch_from": 40000,  # below staff_from
        "private_above": 100,
        "eligibility": {"loan_balance_from": None, "card_levels": "gold"},
        "eligible_floor_band": "vip",
    }
    errors = validate_rules(rules, BUILTIN_SCHEMES)
    assert "schemes.service_band: bands: branch_from (40000) must be greater than staff_from (50000)" in errors
    assert "schemes.service_band: bands: private_above (100) must be >= financial_from (200000)" in errors
    assert "schemes.service_band: eligibility: loan_balance_from must be a number, got None" in errors
    assert "schemes.service_band: eligibility: card_levels must be a list of strings" in errors
    assert any("eligible_floor_band 'vip'" in e for e in errors)


def test_validate_intent_problems():
    rules = doc()
    rules["schemes"]["intent"] = {
        "classes": {"A": {"willingness": "huge"}, "E": {}, "B": {"mood": "high"}},
        "undecided_class": "Z",
    }
    errors = validate_rules(rules, BUILTIN_SCHEMES)
    assert any("classes.A.willingness: unknown level 'huge'" in e for e in errors)
    assert any("unknown class 'E'" in e for e in errors)
    assert any("classes.B: unknown dimension 'mood'" in e for e in errors)
    assert any("undecided_class 'Z'" in e for e in errors)


def test_validate_branches_must_be_mapping():
    rules = doc()
    rules["branches"] = ["BJ001"]
    assert validate_rules(rules, BUILTIN_SCHEMES) == [
        "branches must be a mapping of branch code to overrides"
    ]


# ---------------------------------------------------------------- rules.yaml


def test_default_rules_yaml_is_valid_and_matches_built_in_defaults():
    rules = yaml.safe_load(RULES_YAML.read_text(encoding="utf-8"))
    assert validate_rules(rules, BUILTIN_SCHEMES) == []
    assert rules["version"] == "2026-11-01"  # quoted, so a string not a date
    for name, scheme in BUILTIN_SCHEMES.items():
        assert effective_params(rules, name, None) == scheme.default_params

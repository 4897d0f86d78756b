"""Hypothesis strategies for hostile intake input, shared by the pure and the stack fuzz tests.

Everything an upstream system, a web client or a spreadsheet can throw at the
pipeline: arbitrary JSON values (NaN, huge numbers, lone surrogates), wrong
types in contract fields, huge strings, deep nesting, MongoDB operators as keys
or values anywhere, and random bytes.
"""
from __future__ import annotations

import json
import string

from hypothesis import strategies as st

from ingestion.domain.cn_id import check_digit

CONTRACT_KEYS = ["source", "external_id", "registered_by", "registered_at", "kind", "name",
                 "given_name", "family_name", "birth_date", "gender", "national_id",
                 "national_id_type", "phones", "emails", "address", "branch", "financials",
                 "intent", "consent"]
NESTED_KEYS = {
    "address": ["line1", "line2", "city", "district", "province", "postcode", "country"],
    "financials": ["avg_daily_assets", "has_relationship", "card_spend_12m", "loan_balance",
                   "custody_margin", "card_level", "as_of"],
    "intent": ["willingness", "potential"],
    "consent": ["marketing"],
}
OPERATORS = ["$gt", "$ne", "$where", "$regex", "$set", "$expr", "$in", "$or", "$function"]

# Text that breaks things: every plane, lone surrogates (json.loads makes them
# from "\ud800"), NUL, full-width digits, RTL marks, CJK.
surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
nasty_char = st.one_of(st.characters(), surrogates, st.sampled_from(
    ["\x00", "\u200f", "\ufeff", "１", "　", "张", "$", ".", "\n", "\\", '"', "\u0301"]))
text = st.one_of(st.text(max_size=40), st.text(nasty_char, max_size=20))
huge_text = st.builds(lambda s, n: s * n, st.text(nasty_char, min_size=1, max_size=4),
                      st.integers(min_value=5_000, max_value=40_000))
numbers = st.one_of(st.integers(), st.integers(min_value=-(10 ** 400), max_value=10 ** 400),
                    st.floats(allow_nan=True, allow_infinity=True))
scalars = st.one_of(st.none(), st.booleans(), numbers, text)


def cn_id(digits: str) -> str:
    first17 = (digits + "0" * 17)[:17]
    return first17 + check_digit(first17)


national_ids = st.one_of(
    st.builds(cn_id, st.text(string.digits, min_size=17, max_size=17)),
    st.builds(lambda d: cn_id("110101" + d), st.sampled_from(
        ["19900307123", "20000229001", "19991231999", "18000101000"])),
    st.text(string.ascii_uppercase + string.digits + " -x", min_size=8, max_size=24),
)


def operator_dict(children) -> st.SearchStrategy:
    return st.dictionaries(st.sampled_from(OPERATORS), children, min_size=1, max_size=2)


def nest(value, depth: int, as_list: bool):
    """`value` wrapped `depth` times, iteratively (no recursion limit here)."""
    for _ in range(depth):
        value = [value] if as_list else {"a": value}
    return value


json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(text, st.sampled_from(OPERATORS + CONTRACT_KEYS)),
                        children, max_size=4),
        operator_dict(children)),
    max_leaves=20)
deep = st.builds(nest, scalars, st.integers(min_value=20, max_value=3000), st.booleans())
shallow_deep = st.builds(nest, scalars, st.integers(min_value=20, max_value=190), st.booleans())
hostile = st.one_of(json_values, operator_dict(json_values), huge_text, shallow_deep,
                    st.lists(st.one_of(text, numbers), max_size=3))


def field_value(key: str) -> st.SearchStrategy:
    """A plausible value for a contract field, or anything hostile."""
    plausible = {
        "national_id": national_ids,
        "phones": st.lists(st.one_of(st.sampled_from(["13812348000", "+86 139 1234 8002",
                                                       "010-12345678", "12"]), text), max_size=3),
        "emails": st.lists(st.one_of(st.just("a.b@example.com"), text), max_size=3),
        "birth_date": st.one_of(st.sampled_from(["1990-03-07", "19900307", "1990/3/7",
                                                 "2099-13-45", "0000-00-00"]), text, numbers),
        "registered_at": st.one_of(st.sampled_from(["2024-01-02T03:04:05Z", "2024-01-02"]), text),
        "kind": st.sampled_from(["person", "organization", "alien", ""]),
        "gender": st.sampled_from(["male", "female", "男", "x", ""]),
        "national_id_type": st.sampled_from(["cn_resident", "passport", "other", "CN_RESIDENT",
                                             "", "zz"]),
    }.get(key)
    if key in NESTED_KEYS:
        plausible = st.dictionaries(st.sampled_from(NESTED_KEYS[key] + ["$gt", "x"]),
                                    st.one_of(scalars, hostile), max_size=5)
    strategies = [scalars, hostile, text]
    if plausible is not None:
        strategies = [plausible, plausible] + strategies
    return st.one_of(*strategies)


@st.composite
def records(draw) -> dict:
    """A dict that looks like an intake record, with fuzzed values and extra keys."""
    keys = draw(st.lists(st.sampled_from(CONTRACT_KEYS), unique=True, max_size=10))
    record = {}
    if draw(st.booleans()):
        record["source"], record["external_id"] = "s", "e"  # often the required pair
    if draw(st.booleans()):
        record["name"] = draw(st.one_of(st.sampled_from(["王 芳", "ＬＩ　Ｌｅｉ", "Ann Lee"]), text))
    for key in keys:
        record[key] = draw(field_value(key))
    extra = draw(st.dictionaries(st.one_of(text, st.sampled_from(OPERATORS)), hostile, max_size=2))
    record.update({k: v for k, v in extra.items() if k not in record})
    return record


intake_values = st.one_of(records(), records(), json_values, hostile,
                          st.lists(records(), max_size=3))


def encode(value) -> bytes:
    """JSON text of any value, as bytes that may not even be UTF-8 (lone surrogates)."""
    return json.dumps(value, ensure_ascii=False, allow_nan=True, default=str).encode(
        "utf-8", "surrogatepass")


random_bytes = st.one_of(
    st.binary(max_size=300),
    st.builds(lambda b: b"\xef\xbb\xbf" + b, st.binary(max_size=50)),      # BOM + junk
    # deep nesting as bytes (a nested value would break hypothesis' own repr)
    st.builds(lambda n: b'{"source":"s","external_id":"e","intent":' + b"[" * n + b"]" * n + b"}",
              st.integers(min_value=200, max_value=3000)),
    st.sampled_from([b"", b"null", b"[]", b"{}", b"\xff\xfe", b"{\"a\":", b"NaN", b"1e999999",
                     b"[" * 5000, b"{\"a\":" * 3000, "\ud800".encode("utf-8", "surrogatepass"),
                     b'{"source": "s", "external_id": "e", "name": "\\ud800"}',
                     b'{"source": "s", "external_id": "e", "name": "\xff"}']),
)


# -- bugs the fuzzing found -------------------------------------------------------------
# All fixed (lone surrogates, deep nesting, huge integers, non-list contacts, deeply
# nested JSON files) and pinned by regression tests in test_fuzz_pure.py; a new
# open bug may be listed here so the property tests keep guarding the rest.


def known_bug(value) -> str | None:
    """Which open bug an input would trip, or None (none is open)."""
    return None

"""Blocking and name keys: true duplicates with typical errors must share a key."""
from hypothesis import given, settings, strategies as st

from dedup.domain.keys import (
    MAX_KEYS, blocking_keys, candidate_rank, date_key, is_specific, name_key, name_keys,
    name_tokens, sorted_name_key, swapped_date, token_date_keys,
)


def _person(**kw):
    rec = {"kind": "person", "name": None, "birth_date": None, "national_id_bi": None,
           "phone_bis": [], "email_bis": [], "postcode": None}
    rec.update(kw)
    return rec


def test_han_pinyin_and_swapped_latin_share_a_key():
    assert name_key("张三") == name_key("Zhang San") == name_key("zhangsan") == "zhangsan"
    assert sorted_name_key("张三") == sorted_name_key("San Zhang")
    assert set(name_keys("张三")) & set(name_keys("San Zhang"))
    assert set(name_keys("张三")) & set(name_keys("zhangsan"))


def test_spaces_between_han_characters_are_ignored():
    assert name_key("张 三") == name_key("张三")
    assert name_key("  Zhang   San ") == name_key("Zhang San")


def test_case_punctuation_full_width_and_accents_fold():
    assert name_key("ZHANG-SAN") == name_key("ｚｈａｎｇ　ｓａｎ") == "zhangsan"
    assert name_key("José Müller") == "josemuller"


def test_compound_and_heteronym_surnames():
    assert name_tokens("欧阳娜娜") == ("ouyang", "nana")
    assert name_key("曾伟") == name_key("Zeng Wei")
    assert name_key("吕丽") == name_key("Lv Li") == name_key("Lyu Li")


def test_nicknames_are_canonical():
    assert name_key("Bob Smith") == name_key("Robert Smith")


def test_blocking_keys_shared_by_han_and_swapped_pinyin_record():
    a = _person(name="张三", birth_date="1985-03-07")
    b = _person(name="San Zhang", birth_date="1985-03-07")
    assert set(blocking_keys(a)) & set(blocking_keys(b))


def test_day_month_swap_still_blocks_together():
    assert swapped_date("1985-03-07") == "1985-07-03"
    assert swapped_date("1985-03-13") is None  # month 13 is not a date
    assert swapped_date("1985-05-05") is None
    assert date_key("1985-03-07") == date_key("1985-07-03")
    a = _person(name="Li Lei", birth_date="1985-03-07")
    b = _person(name="Li Lei", birth_date="1985-07-03")
    assert any(k.startswith("nd:") for k in set(blocking_keys(a)) & set(blocking_keys(b)))


def test_typo_in_name_shares_date_postcode_key():
    a = _person(name="Evelyn Peterson", birth_date="1943-09-03", postcode="563500")
    b = _person(name="Evelyn Pvterson", birth_date="1943-03-09", postcode="563500")
    assert set(blocking_keys(a)) & set(blocking_keys(b))


def test_wrong_birth_date_shares_name_postcode_key():
    a = _person(name="Brandon Watson", birth_date="1957-05-04", postcode="105320")
    b = _person(name="Brandow Watson", birth_date="1997-05-04", postcode="105320")
    assert set(blocking_keys(a)) & set(blocking_keys(b))


def test_identifier_keys_and_organizations():
    keys = blocking_keys(_person(national_id_bi="ab", phone_bis=["p1", "p2", "p3"],
                                 email_bis=["e1"]))
    assert keys[:4] == ["nid:ab", "ph:p1", "ph:p2", "em:e1"]
    org = blocking_keys({"kind": "organization", "name": "Acme Ltd", "postcode": "100000"})
    assert any(k.startswith("org:") for k in org)
    assert not any(k.startswith("nd:") for k in org)


def test_golden_shape_is_accepted():
    keys = blocking_keys({"name": "张三", "national_id_bis": ["x"], "phone_bis": ["p"]})
    assert "nid:x" in keys and "ph:p" in keys


@settings(database=None)  # no .hypothesis/ directory left in the service tree
@given(name=st.text(max_size=40), phones=st.lists(st.text(min_size=1, max_size=8), max_size=6),
       emails=st.lists(st.text(min_size=1, max_size=8), max_size=6),
       birth=st.one_of(st.none(), st.dates().map(lambda d: d.isoformat())),
       postcode=st.one_of(st.none(), st.text(min_size=1, max_size=6)))
def test_key_count_is_bounded_and_never_crashes(name, phones, emails, birth, postcode):
    rec = _person(name=name, birth_date=birth, phone_bis=phones, email_bis=emails,
                  postcode=postcode, national_id_bi="n")
    keys = blocking_keys(rec)
    assert len(keys) <= MAX_KEYS
    assert len(keys) == len(set(keys))


def _shared(a, b):
    return set(blocking_keys(a)) & set(blocking_keys(b))


def test_replaced_given_name_and_transposed_postcode_still_block_together():
    # FEBRL: a given name replaced outright and the postcode's digits transposed.
    a = _person(name="kelsey nguyen", birth_date="1913-06-01", postcode="2036")
    b = _person(name="kelsey ferris", birth_date="1913-06-01", postcode="2063")
    assert "nt:kelsey|1913-01-06" in _shared(a, b)
    c = _person(name="raquel leslie", birth_date="1990-03-28", postcode="4308")
    d = _person(name="emiixy lesliy", birth_date="1990-03-28", postcode="4380")
    assert "dps:1990-03-28|0348" in _shared(c, d)


def test_same_address_blocks_together_whatever_the_name_and_date():
    a = _person(name="james blake", birth_date="1986-09-20", address_bi="A1")
    b = _person(name="blake", birth_date="1918-09-20", address_bi="A1", postcode="7105")
    assert _shared(a, b) == {"ad:A1"}
    assert "ad:A2" in blocking_keys({"name": "x", "address_bis": ["A2"]})  # golden shape


def test_broad_keys_come_last_and_rank_below_specific_ones():
    keys = blocking_keys(_person(name="Li Lei", birth_date="1985-03-07", postcode="100000",
                                 national_id_bi="n", address_bi="a"))
    broad = [k for k in keys if not is_specific(k)]
    assert broad and keys[-len(broad):] == broad
    assert {k.split(":")[0] for k in broad} == {"nph", "nmd", "np", "np3"}
    wanted = ["nid:n", "np:x|1", "np3:y|1"]
    assert candidate_rank(wanted, ["nid:n"]) < candidate_rank(wanted, ["np:x|1", "np3:y|1"])
    assert candidate_rank(wanted, ["nid:n", "np:x|1"]) < candidate_rank(wanted, ["nid:n"])


def test_token_keys_skip_single_letters_and_are_bounded():
    assert token_date_keys("J. R. R. Tolkien Smith Jones", "1900-01-02") == [
        "nt:tolkien|1900-01-02", "nt:smith|1900-01-02", "nt:jones|1900-01-02"]

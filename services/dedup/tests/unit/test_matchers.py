"""Matcher plugins: scores in [0, 1], None when not comparable, both shapes."""
import pytest

from dedup.plugins.matchers import (
    AddressMatcher, BirthDateMatcher, ContactMatcher, ExactIdentifierMatcher, Matcher,
    NameMatcher, date_similarity, default_matchers, name_similarity, values,
)


def test_builtins_implement_the_protocol():
    names = set()
    for m in default_matchers():
        assert isinstance(m, Matcher)
        names.add(m.name)
    assert names == {"exact_identifier", "contact", "name", "birth_date", "address"}


def test_values_reads_record_and_golden_shapes():
    assert values({"national_id_bi": "a"}, "national_id_bi") == ["a"]
    assert values({"national_id_bis": ["a", "b"]}, "national_id_bi") == ["a", "b"]
    assert values({"name": "x", "names": ["x", "y"]}, "names") == ["x", "y"]
    assert values({"phone_bis": None}, "phone_bis") == []


def test_exact_identifier():
    m = ExactIdentifierMatcher()
    assert m.score({"national_id_bi": "a"}, {"national_id_bis": ["b", "a"]}) == 1.0
    assert m.score({"national_id_bi": "a"}, {"national_id_bi": "b"}) == 0.0
    assert m.score({"national_id_bi": "a"}, {"national_id_bi": None}) is None


def test_contact():
    m = ContactMatcher()
    assert m.score({"phone_bis": ["p"]}, {"phone_bis": ["q", "p"]}) == 1.0
    assert m.score({"email_bis": ["e"]}, {"phone_bis": ["p"], "email_bis": ["e"]}) == 1.0
    assert m.score({"phone_bis": ["p"]}, {"phone_bis": ["q"]}) == 0.0
    assert m.score({"phone_bis": ["p"]}, {"email_bis": ["e"]}) is None
    assert m.score({}, {}) is None


@pytest.mark.parametrize("a,b,low,high", [
    ("张三", "Zhang San", 1.0, 1.0),
    ("张三", "San Zhang", 1.0, 1.0),
    ("张三", "zhangsan", 1.0, 1.0),
    ("张伟", "张玮", 0.9, 0.99),          # homophone
    ("王言英", "王英", 0.75, 0.85),       # dropped character
    ("吴全", "吴元", 0.0, 0.6),           # different character: different name
    ("Zhang Wei", "Zhang Min", 0.0, 0.3),
    ("John Smith", "Jonh Smith", 0.9, 0.99),
    ("Bob Smith", "Robert Smith", 1.0, 1.0),
    ("Xiao Ming Zhang", "张小明", 1.0, 1.0),
    ("Mary Ann Lee", "Maryann Lee", 1.0, 1.0),
    ("Terry Adam Jones", "Terry Jones", 0.9, 0.95),
    ("SUNYOU", "孙富", 0.0, 0.7),
])
def test_name_similarity(a, b, low, high):
    assert low <= name_similarity(a, b) <= high
    assert name_similarity(a, b) == pytest.approx(name_similarity(b, a), abs=0.05)


def test_name_matcher_golden_prefers_han_names():
    golden = {"names": ["吴全", "Wu Quan"]}
    assert NameMatcher().score({"name": "吴元"}, golden) < 0.6
    assert NameMatcher().score({"name": "Wu Quan"}, golden) == 1.0
    assert NameMatcher().score({"name": None}, golden) is None


def test_birth_date_similarity():
    assert date_similarity("1985-03-07", "1985-03-07") == 1.0
    assert date_similarity("1985-03-07", "1985-07-03") == 0.8
    assert date_similarity("1985-03-07", "1985-03-08") == 0.7
    assert date_similarity("1985-03-07", "1958-03-07") == 0.7  # adjacent transposition
    assert date_similarity("1985-03-07", "1990-11-21") == 0.0
    m = BirthDateMatcher()
    assert m.score({"birth_date": "1985-03-07"}, {"birth_dates": ["1990-01-01",
                                                                  "1985-03-07"]}) == 1.0
    assert m.score({"birth_date": None}, {"birth_date": "1985-03-07"}) is None


def test_address():
    m = AddressMatcher()
    assert m.score({"address_bi": "a", "postcode": "1"}, {"address_bis": ["a"]}) == 1.0
    assert m.score({"address_bi": "a", "postcode": "1"},
                   {"address_bi": "b", "postcode": "1"}) == 0.5
    assert m.score({"postcode": "1"}, {"postcode": "2"}) == 0.0
    assert m.score({"postcode": "1"}, {}) is None

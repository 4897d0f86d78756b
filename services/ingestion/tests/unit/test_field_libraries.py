"""The field rules come from the libraries that own them (issue 21 point 4):
phonenumbers for phones, python-stdnum for CN resident IDs, email-validator for e-mails.
Each case below is one the former hand-written regexes decided the other way."""
import pytest
from stdnum.cn import ric

from ingestion.domain.cn_id import check_digit
from ingestion.domain.contact import phone_region, phone_to_e164
from ingestion.plugins.normalizers import EmailsNormalizer, NationalIdNormalizer, PhonesNormalizer


def base(**fields):
    return {"source": "web", "external_id": "e-1", **fields}


@pytest.mark.parametrize("raw", ["14012345678", "+1 123 456 7890", "+12345678"])
def test_phone_the_numbering_plan_rejects_is_kept_raw_with_a_flag(raw):
    # 140 is no CN mobile range and no NANP area code starts with 1: libphonenumber knows
    # the plans, where the former regex let any 1[3-9] mobile and any +8..15 digits through.
    out, issues = PhonesNormalizer().apply(base(phones=[raw]))
    assert out["phones"] == [] and out["phones_invalid"] == [raw]
    assert [i["issue"] for i in issues] == ["invalid_phone"]


def test_phone_national_number_read_in_the_records_country():
    us = base(phones=["(650) 253-0000"], address={"country": "US"})
    assert PhonesNormalizer().apply(us)[0]["phones"] == ["+16502530000"]
    cn = base(phones=["010-6552 9988"], address={"country": "中国"})
    assert PhonesNormalizer().apply(cn)[0]["phones"] == ["+861065529988"]
    # No country: CN, so a US national number is not a valid CN number.
    assert PhonesNormalizer().apply(base(phones=["(650) 253-0000"]))[0]["phones"] == []


@pytest.mark.parametrize("country, region", [("CN", "CN"), ("china", "CN"), ("gb", "GB"),
                                             ("Atlantis", "CN"), (None, "CN"), (7, "CN")])
def test_phone_region_defaults_to_cn(country, region):
    assert phone_region(country) == region


def test_phone_e164_is_libphonenumbers_format():
    assert phone_to_e164("00852 2123 4567") == "+85221234567"
    assert phone_to_e164("not a phone") is None


@pytest.mark.parametrize("raw, expected", [
    ("a..b@example.com", None),          # consecutive dots: RFC 5322 says no
    (".a@example.com", None),
    ("a@-example.com", None),
    ("x@localhost", None),               # not a global domain
    ("张三@例子.中国", "张三@例子.中国"),   # internationalised addresses are valid
    ("Wang.Fang@Example.CN", "wang.fang@example.cn"),
])
def test_email_syntax_by_email_validator(raw, expected):
    out, issues = EmailsNormalizer().apply(base(emails=[raw]))
    assert out["emails"] == ([expected] if expected else [])
    assert bool(issues) is (expected is None)


def test_cn_id_check_digit_is_stdnums():
    assert check_digit("11010519491231002") == "X" and ric.is_valid("11010519491231002X")
    for first17 in ("44030519800101123", "65010219770412731"):
        assert check_digit(first17) == ric.calc_check_digit(first17 + "0")


def test_cn_id_of_a_county_younger_than_its_holder_is_valid():
    # 440305 (Nanshan) exists since 1990; its residents born earlier hold 440305 cards.
    first17 = "44030519800101123"
    nid = first17 + check_digit(first17)
    out, issues = NationalIdNormalizer().apply(base(national_id=nid))
    assert out["national_id"] == nid and out["birth_date"] == "1980-01-01" and issues == []

"""Normalizers and intake validation."""
import copy

import pytest

from ingestion.domain.cn_id import check_digit
from ingestion.plugins.normalizers import (
    BUILTIN_NORMALIZERS, AddressesNormalizer, DatesNormalizer, EmailsNormalizer,
    FinancialsNormalizer, NamesNormalizer, NationalIdNormalizer, PhonesNormalizer,
    normalize_record, validate_required,
)

ID17 = "11010119900307123"
VALID_ID = ID17 + check_digit(ID17)  # 110101199003071233
FEMALE_X_ID = "11010519491231002X"


def base(**fields):
    record = {"source": "web", "external_id": "e-1"}
    record.update(fields)
    return record


# --- names --------------------------------------------------------------------
@pytest.mark.parametrize("raw, expected", [
    ("  张 三 ", "张三"),
    ("张　三", "张三"),  # ideographic space
    ("ＺＨＡＮＧ　　San", "ZHANG San"),
    ("Li   Xiao\tMing", "Li Xiao Ming"),
    ("阿依古丽 · 买买提", "阿依古丽·买买提"),
])
def test_names_clean(raw, expected):
    out, issues = NamesNormalizer().apply(base(name=raw))
    assert out["name"] == expected and issues == []


def test_names_built_from_parts():
    cjk, _ = NamesNormalizer().apply(base(family_name=" 张", given_name="三 "))
    latin, _ = NamesNormalizer().apply(base(family_name="Smith", given_name="John"))
    assert cjk["name"] == "张三"
    assert latin["name"] == "John Smith"


def test_names_do_not_mutate_input():
    record = base(name=" 张 三 ", address={"city": "北京"})
    snapshot = copy.deepcopy(record)
    out, _ = normalize_record(record, BUILTIN_NORMALIZERS)
    assert record == snapshot
    assert out is not record and out["name"] == "张三"


@pytest.mark.parametrize("normalizer", BUILTIN_NORMALIZERS)
def test_no_normalizer_changes_its_input_nested_parts_included(normalizer):
    """Each normalizer copies only what it writes into: whatever it changes, the input
    record (its address, financials, products and lists) stays as it came."""
    record = base(name=" 张 三 ", given_name="三", family_name="张", national_id=VALID_ID.lower(),
                  phones=["138 0013 8000", "bad"], emails=[" A@Example.COM "],
                  birth_date="19900307", registered_at="2026/01/02 03:04",
                  address={"line1": " 1 Road ", "postcode": "10000x", "province": "北京"},
                  financials={"avg_daily_assets": "1,000", "as_of": "2026/01/01",
                              "card_level": " Gold ", "has_relationship": "yes"},
                  products=[{"code": "fx", "balance": "5", "as_of": "2026/01/01"}])
    snapshot = copy.deepcopy(record)
    out, _ = normalize_record(record, [normalizer])
    assert record == snapshot
    assert out != record  # it did change something, on its own copy


# --- national id -----------------------------------------------------------------
def test_national_id_valid_fills_birth_date_and_gender():
    out, issues = NationalIdNormalizer().apply(base(national_id=VALID_ID, national_id_type="cn_resident"))
    assert issues == []
    assert out["national_id"] == "110101199003071233"
    assert (out["birth_date"], out["gender"]) == ("1990-03-07", "male")


def test_national_id_lower_x_and_type_inferred():
    out, issues = NationalIdNormalizer().apply(base(national_id=FEMALE_X_ID.lower()))
    assert issues == []
    assert out["national_id"] == FEMALE_X_ID
    assert out["national_id_type"] == "cn_resident"
    assert out["gender"] == "female" and out["birth_date"] == "1949-12-31"


def test_national_id_full_width_with_spaces():
    out, issues = NationalIdNormalizer().apply(base(national_id="１１０１０１ １９９００３０７-１２３３"))
    assert issues == [] and out["national_id"] == VALID_ID


def test_national_id_keeps_existing_birth_date_and_gender():
    out, issues = NationalIdNormalizer().apply(
        base(national_id=VALID_ID, birth_date="1990-03-08", gender="female"))
    assert out["birth_date"] == "1990-03-08" and out["gender"] == "female"
    assert issues == [{"field": "birth_date", "issue": "differs_from_national_id", "raw": None}]


def test_national_id_bad_check_digit_keeps_raw_masked_issue():
    record = base(national_id="110101199003071234", national_id_type="cn_resident")
    out, issues = NationalIdNormalizer().apply(record)
    assert out["national_id"] is None
    assert out["national_id_raw"] == "110101199003071234"
    assert "birth_date" not in out
    assert issues == [{"field": "national_id", "issue": "check_digit_failed", "raw": "1101**********1234"}]


def test_national_id_impossible_date_is_invalid_format():
    bad = "11010119900230123"
    out, issues = NationalIdNormalizer().apply(base(national_id=bad + check_digit(bad), national_id_type="cn_resident"))
    assert out["national_id"] is None and issues[0]["issue"] == "invalid_format"


def test_national_id_passport_uppercased():
    out, issues = NationalIdNormalizer().apply(base(national_id=" e 1234 5678 ", national_id_type="passport"))
    assert out["national_id"] == "E12345678" and issues == []
    assert "gender" not in out


# --- phones ---------------------------------------------------------------------
@pytest.mark.parametrize("raw, expected", [
    ("13812348000", "+8613812348000"),
    ("+86 138 1234 8000", "+8613812348000"),
    ("86-13812348000", "+8613812348000"),
    ("0086-138-1234-8000", "+8613812348000"),
    ("８６１３８１２３４８０００", "+8613812348000"),
    ("010-12345678", "+861012345678"),
    ("(0755) 8765 4321", "+8675587654321"),
    ("+44 20 7946 0958", "+442079460958"),
])
def test_phone_e164(raw, expected):
    out, issues = PhonesNormalizer().apply(base(phones=[raw]))
    assert out["phones"] == [expected] and issues == []


def test_phones_dedup_and_invalid_moved_aside():
    record = base(phones=["+86 13812348000", "138-1234-8000", "12345", "1381234800", 13912345678])
    out, issues = PhonesNormalizer().apply(record)
    assert out["phones"] == ["+8613812348000", "+8613912345678"]
    assert out["phones_invalid"] == ["12345", "1381234800"]
    assert [i["issue"] for i in issues] == ["invalid_phone", "invalid_phone"]
    assert issues[1]["raw"] == "138****4800"  # masked, never the raw number


def test_phones_cell_with_two_numbers():
    out, _ = PhonesNormalizer().apply(base(phones=["13812348000/13912345678"]))
    assert out["phones"] == ["+8613812348000", "+8613912345678"]


# --- emails ---------------------------------------------------------------------
def test_emails_lowercase_dedup_invalid():
    out, issues = EmailsNormalizer().apply(
        base(emails=[" Zhang.San@Example.COM ", "zhang.san@example.com", "not-an-email", "a@b"]))
    assert out["emails"] == ["zhang.san@example.com"]
    assert out["emails_invalid"] == ["not-an-email", "a@b"]
    assert {i["issue"] for i in issues} == {"invalid_email"}
    assert issues[0]["raw"] == "n***"


def test_emails_full_width_at():
    out, _ = EmailsNormalizer().apply(base(emails=["li＠example.cn"]))
    assert out["emails"] == ["li@example.cn"]


# --- dates ----------------------------------------------------------------------
@pytest.mark.parametrize("raw", ["1990-03-07", "19900307", "1990/3/7", "1990年03月07日", "1990-03-07T00:00:00"])
def test_birth_date_formats(raw):
    out, issues = DatesNormalizer().apply(base(birth_date=raw))
    assert out["birth_date"] == "1990-03-07" and issues == []


def test_registered_at_datetimes():
    norm = DatesNormalizer()
    aware, _ = norm.apply(base(registered_at="2023-01-05T10:00:00+08:00"))
    naive, _ = norm.apply(base(registered_at="2023/01/05 10:30"))
    zulu, _ = norm.apply(base(registered_at="2023-01-05T10:00:00Z"))
    day, _ = norm.apply(base(registered_at="20230105"))
    assert aware["registered_at"] == "2023-01-05T02:00:00+00:00"
    assert naive["registered_at"] == "2023-01-05T10:30:00"
    assert zulu["registered_at"] == "2023-01-05T10:00:00+00:00"
    assert day["registered_at"] == "2023-01-05"


def test_impossible_and_garbage_dates():
    record = base(birth_date="2023-02-30", registered_at="yesterday", financials={"as_of": "2023年13月01日"})
    out, issues = DatesNormalizer().apply(record)
    assert out["birth_date"] is None and out["birth_date_raw"] == "2023-02-30"
    assert out["registered_at"] is None and out["registered_at_raw"] == "yesterday"
    assert out["financials"]["as_of"] is None and out["financials"]["as_of_raw"] == "2023年13月01日"
    assert [(i["field"], i["issue"]) for i in issues] == [
        ("birth_date", "invalid_date"), ("registered_at", "invalid_format"), ("financials.as_of", "invalid_date")]
    assert issues[0]["raw"] != "2023-02-30"  # birth dates are personal data: masked


# --- addresses ------------------------------------------------------------------
def test_address_clean_and_default_country():
    out, issues = AddressesNormalizer().apply(base(address={
        "line1": " 朝阳区　建国路８８号 ", "city": "北京", "province": "北京", "postcode": "１０００２２", "line2": ""}))
    assert issues == []
    assert out["address"] == {"line1": "朝阳区 建国路88号", "city": "北京", "province": "北京",
                              "postcode": "100022", "country": "CN"}


def test_address_invalid_postcode():
    out, issues = AddressesNormalizer().apply(base(address={"province": "上海", "postcode": "2000"}))
    assert out["address"]["postcode"] is None and out["address"]["postcode_raw"] == "2000"
    assert issues == [{"field": "address.postcode", "issue": "invalid_postcode", "raw": "2000"}]


def test_address_foreign_country_kept():
    out, issues = AddressesNormalizer().apply(base(address={"city": "London", "postcode": "SW1A 1AA", "country": "gb"}))
    assert out["address"]["country"] == "GB" and out["address"]["postcode"] == "SW1A 1AA" and issues == []


# --- financials -----------------------------------------------------------------
def test_financial_amounts():
    out, issues = FinancialsNormalizer().apply(base(financials={
        "avg_daily_assets": "1,234,567.89", "card_spend_12m": "５００００", "loan_balance": "30万",
        "custody_margin": 12000, "card_level": " Gold "}))
    fin = out["financials"]
    assert fin["avg_daily_assets"] == "1234567.89"  # the contract's form: exact, never a float
    assert fin["card_spend_12m"] == "50000.00" and fin["loan_balance"] == "300000.00"
    assert fin["custody_margin"] == "12000.00" and fin["card_level"] == "gold"
    assert "has_relationship" not in fin  # a tiering rule reads the assets, intake invents nothing
    assert issues == []


@pytest.mark.parametrize("raw, expected", [
    (1234567.89, "1234567.89"), ("12.3万", "123000.00"), (0.1 + 0.2, "0.30"), ("0.005", "0.01")])
def test_financial_amounts_stay_exact(raw, expected):
    """12.3 * 10000.0 is 123000.00000000001 and 0.1 + 0.2 is 0.30000000000000004 as floats."""
    out, issues = FinancialsNormalizer().apply(base(financials={"avg_daily_assets": raw}))
    assert out["financials"]["avg_daily_assets"] == expected and issues == []


def test_blank_financial_cells_are_not_recorded():
    out, issues = FinancialsNormalizer().apply(base(financials={
        "avg_daily_assets": "", "has_relationship": ""}))
    assert out["financials"] == {"avg_daily_assets": None, "has_relationship": None}
    assert issues == []


def test_financial_negative_and_non_numeric():
    out, issues = FinancialsNormalizer().apply(base(financials={"avg_daily_assets": "-5", "loan_balance": "abc"}))
    assert out["financials"]["avg_daily_assets"] is None and out["financials"]["loan_balance"] is None
    assert [(i["field"], i["issue"]) for i in issues] == [
        ("financials.avg_daily_assets", "negative_amount"), ("financials.loan_balance", "not_a_number")]
    assert "has_relationship" not in out["financials"]


@pytest.mark.parametrize("raw, expected", [("是", True), ("否", False), (1, True), (0, False),
                                           ("true", True), ("FALSE", False), (True, True)])
def test_has_relationship(raw, expected):
    out, issues = FinancialsNormalizer().apply(base(financials={"has_relationship": raw, "avg_daily_assets": 10}))
    assert out["financials"]["has_relationship"] is expected and issues == []


def test_has_relationship_invalid():
    out, issues = FinancialsNormalizer().apply(base(financials={"has_relationship": "maybe"}))
    assert out["financials"]["has_relationship"] is None and issues[0]["issue"] == "invalid_boolean"


# --- pipeline -------------------------------------------------------------------
def test_builtin_order_and_full_pipeline():
    assert BUILTIN_NORMALIZERS[0] == "names" and BUILTIN_NORMALIZERS.index("dates") < BUILTIN_NORMALIZERS.index("national_id")
    record = base(family_name="张", given_name="三", birth_date="19900307", national_id=VALID_ID,
                  phones=["138 1234 8000"], emails=["A@B.CN"])
    out, issues = normalize_record(record, BUILTIN_NORMALIZERS)
    assert issues == []  # 19900307 equals the date inside the ID once normalized
    assert (out["name"], out["birth_date"], out["gender"]) == ("张三", "1990-03-07", "male")
    assert out["phones"] == ["+8613812348000"] and out["emails"] == ["a@b.cn"]


def test_normalize_record_accepts_instances():
    out, _ = normalize_record(base(name=" 李 四 "), [NamesNormalizer()])
    assert out["name"] == "李四"


# --- validate_required ----------------------------------------------------------
def test_valid_records_accepted():
    assert validate_required(base(name="张三")) == []
    assert validate_required(base(phones=["13812348000"])) == []
    assert validate_required(base(given_name="San")) == []


@pytest.mark.parametrize("record, fragment", [
    ({"external_id": "1", "name": "张三"}, "'source'"),
    ({"source": " ", "external_id": "1", "name": "张三"}, "'source'"),
    ({"source": "web", "external_id": 123, "name": "张三"}, "'external_id'"),
    ({"source": "web", "name": "张三"}, "'external_id'"),
    (base(), "neither a name nor an identifier"),
    (base(name="  ", phones=[], emails=[""]), "neither a name nor an identifier"),
    (base(name=123, phones=["13812348000"]), "'name' must be a string"),
    (base(name=["a"], phones=["13812348000"]), "'name' must be a string"),
    (base(name="张三", phones="13812348000"), "'phones' must be a list of strings"),
    (base(name={"$ne": None}), "'name.$ne'"),
    (base(name="张三", address={"city": {"$where": "sleep(1000)"}}), "'address.city.$where'"),
    (base(name="张三", emails=[{"$gt": ""}]), "'emails[0].$gt'"),
    (base(name="张三", **{"$set": {"x": 1}}), "'$set'"),
])
def test_rejections(record, fragment):
    errors = validate_required(record)
    assert errors, record
    assert any(fragment in e for e in errors), errors


def test_not_a_dict():
    assert validate_required(["x"]) == ["record must be an object"]

"""Chinese resident IDs, text helpers and masking."""
from datetime import date

import pytest

from ingestion.domain.cn_id import check_digit, parse_cn_resident_id
from ingestion.domain.masking import mask_email, mask_name, mask_national_id, mask_phone, mask_text
from ingestion.domain.text import collapse_spaces, is_cjk, to_half_width


TODAY = date(2026, 11, 1)  # the domain takes the date from its caller (common.clock)


def valid_id(first17: str) -> str:
    return first17 + check_digit(first17)


def test_a_birth_date_after_today_is_out_of_range():
    born_tomorrow = valid_id("11010120261102123")
    assert parse_cn_resident_id(born_tomorrow, TODAY) is None
    assert parse_cn_resident_id(born_tomorrow, date(2026, 11, 2)).birth_date == "2026-11-02"


def test_check_digit_known_values():
    # GB 11643 sample number and a number whose check character is X.
    assert check_digit("11010519491231002") == "X"
    assert check_digit("44052418800101001") == "4"
    assert check_digit("11010119900307123") == "3"  # 174 % 11 == 9 -> "3"


def test_check_digit_rejects_wrong_length():
    with pytest.raises(ValueError):
        check_digit("1234")


def test_parse_valid_id_derives_birth_date_and_gender():
    parsed = parse_cn_resident_id(valid_id("11010119900307123"), TODAY)
    assert parsed.number == "110101199003071233"
    assert parsed.birth_date == "1990-03-07"
    assert parsed.gender == "male"  # 17th digit 3 is odd


def test_parse_female_and_lower_case_x():
    parsed = parse_cn_resident_id("11010519491231002x", TODAY)
    assert parsed.number == "11010519491231002X"
    assert parsed.gender == "female"  # 17th digit 2 is even


def test_parse_full_width_digits_and_separators():
    parsed = parse_cn_resident_id("１１０１０１ １９９００３０７ １２３３", TODAY)
    assert parsed is not None and parsed.number == "110101199003071233"
    assert parse_cn_resident_id("110101-19900307-1233", TODAY).number == "110101199003071233"


def test_parse_rejects_bad_check_digit_and_impossible_date():
    assert parse_cn_resident_id("110101199003071234", TODAY) is None  # check char should be 3
    assert parse_cn_resident_id(valid_id("11010119900230123"), TODAY) is None  # 30 February
    assert parse_cn_resident_id("11010119900307", TODAY) is None


def test_parse_upgrades_15_digit_ids():
    parsed = parse_cn_resident_id("110101900307123", TODAY)
    assert parsed.number == valid_id("11010119900307123")
    assert parsed.birth_date == "1990-03-07"


def test_text_helpers():
    assert to_half_width("ＡＢＣ１２３　") == "ABC123 "
    assert collapse_spaces("  a \t b\n c ") == "a b c"
    assert is_cjk("张三") and is_cjk("Li 李") and not is_cjk("Zhang San")


def test_masking_each_kind():
    assert mask_national_id("110101199003071234") == "1101**********1234"
    assert mask_phone("+8613812348000") == "138****8000"
    assert mask_phone("+442079460958") == "442****0958"  # fixed width: no length leak (common.pii)
    assert mask_email("zhang.san@example.com") == "z***@example.com"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("Zhang San") == "Z*** S**"


def test_mask_text_finds_embedded_values():
    text = "客户110101199003071234, tel +86 13812348000 / 13912345678, mail zhang.san@example.com done"
    masked = mask_text(text)
    assert "1101**********1234" in masked
    assert "138****8000" in masked and "139****5678" in masked
    assert "z***@example.com" in masked
    for secret in ("199003071234", "13812348000", "13912345678", "zhang.san"):
        assert secret not in masked
    assert masked.endswith("done")


def test_mask_text_leaves_ordinary_numbers():
    assert mask_text("batch 12345 rows 2023") == "batch 12345 rows 2023"

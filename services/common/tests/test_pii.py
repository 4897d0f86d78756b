"""Personal-data protection: encryption round trip, rotation, blind indexes, masking."""
import base64
import os

import pytest
from cryptography.fernet import InvalidToken

from common.pii import Protector, mask_email, mask_name, mask_national_id, mask_phone, mask_text


def _key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def test_encrypt_round_trip_and_ciphertext_hides_the_value():
    p = Protector(f"k1:{_key()}", "00" * 32)
    token = p.encrypt("110101199003071233")
    assert "110101199003071233" not in token
    assert p.decrypt(token) == "110101199003071233"


def test_rotation_keeps_old_tokens_readable_and_reencrypts_under_the_new_key():
    old, new = _key(), _key()
    before = Protector(f"k1:{old}", "aa")
    token = before.encrypt("13812348000")
    after = Protector(f"k2:{new},k1:{old}", "aa")
    assert after.decrypt(token) == "13812348000"
    rotated = after.rotate(token)
    assert Protector(f"k2:{new}", "aa").decrypt(rotated) == "13812348000"
    with pytest.raises(InvalidToken):
        Protector(f"k2:{new}", "aa").decrypt(token)


def test_blind_index_is_keyed_and_separates_kinds():
    a, b = Protector(f"k1:{_key()}", "key-a"), Protector(f"k1:{_key()}", "key-b")
    assert a.blind_index("nid", "X1") == a.blind_index("nid", "X1")
    assert a.blind_index("nid", "X1") != b.blind_index("nid", "X1")
    assert a.blind_index("nid", "X1") != a.blind_index("phone", "X1")
    assert a.blind_index("nid", None) is None


def test_missing_keys_fail_loudly():
    with pytest.raises(ValueError):
        Protector("", "")


def test_masks():
    assert mask_national_id("110101199003071233") == "1101**********1233"
    assert mask_phone("+8613812348000") == "138****8000"
    assert mask_email("zhang.san@example.com") == "z***@example.com"
    assert mask_name("张三") == "张*"
    assert mask_name("Zhang San") == "Z*** S**"
    assert mask_email("not-an-address") == "n***"


def test_mask_text_finds_identifiers_in_free_text():
    text = "id 110101199003071233 phone +86 138 1234 8000 mail a.b@c.com ok"
    masked = mask_text(text)
    for secret in ("110101199003071233", "1234 8000", "a.b@c.com"):
        assert secret not in masked
    assert "1101**********1233" in masked and masked.endswith("ok")
    assert "110101" not in mask_text("ID １１０１０１１９９００３０７１２３３")


# --- free text: every written form of an ID, a passport and a landline -------------------
@pytest.mark.parametrize("raw, masked", [
    ("110101199003077715", "1101**********7715"),
    ("110101 19900307 7715", "1101**********7715"),
    ("110101-19900307-7715", "1101**********7715"),
    ("1101 0119 9003 0777 15", "1101**********7715"),
    ("11010119900307771x", "1101**********771X"),
    ("E12345678", "E******78"),
    ("G1234567", "G*****67"),
    ("E 1234 5678", "E******78"),
    ("010-6552 1234", "010****1234"),
    ("(0755) 8888-6666", "075****6666"),
    ("0755-88886666", "075****6666"),
    ("01065521234", "010****1234"),
    ("+86 10 6552 1234", "106****1234"),
    ("+86-10-65521234", "106****1234"),
    ("0086 138 1234 8000", "138****8000"),
    ("138-1234-8000", "138****8000"),
])
def test_mask_text_masks_each_written_form(raw, masked):
    text = mask_text(f"customer ({raw}) called")
    assert text == f"customer ({masked}) called"
    digits = "".join(ch for ch in raw if ch.isalnum())
    assert raw not in text and digits not in text


def test_mask_text_leaves_ids_dates_and_amounts_alone():
    text = ("event 6f1c3a52-3c1e-4e0c-9d4b-6a1f3c7b2e10 customer C0123456789abcdef at "
            "2026-12-01T22:06:05.123456+00:00 batch 12345 rows 2023 assets 1234567.89 "
            "score 0.30000000000000004 branch BJ01 manager PD-M1 tier gold")
    assert mask_text(text) == text


def test_mask_text_masks_personal_fields_of_json_and_dict_text_by_name():
    cut = '{"national_id": "110101 1990", "phones": ["6552 1234", "13812348000"], "name": "张三丰", "pass'
    masked = mask_text(cut)
    assert "110101 1990" not in masked and "6552 1234" not in masked and "张三丰" not in masked
    assert '"phones": ["****1234", "138****8000"]' in masked and '"name": "张**"' in masked
    as_repr = mask_text("{'passport': 'K7654321', 'landline': 65521234, 'branch': 'BJ01'}")
    assert as_repr == "{'passport': 'K*****21', 'landline': \"****1234\", 'branch': 'BJ01'}"
    assert mask_text('{"birth_date": "1990-03-07", "id_number": null}') == \
        '{"birth_date": "1990-**-**", "id_number": null}'


def test_short_ids_and_landlines_do_not_show_most_of_themselves():
    assert mask_national_id("E12345678") == "E******78"
    assert mask_national_id("110101-19900307-7715") == "1101**********7715"
    assert mask_phone("6552 1234") == "****1234"
    assert mask_phone("(0755) 8888-6666") == "075****6666"
    assert mask_phone("+86 10 6552 1234") == "106****1234"

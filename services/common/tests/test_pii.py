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

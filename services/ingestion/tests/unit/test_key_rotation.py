"""Key rotation: after a page is rotated, the old key can leave the ring."""
from __future__ import annotations

import pytest
from cryptography.fernet import Fernet, InvalidToken

from common.pii import Protector
from ingestion.keys import rotate_page

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_rotated_tokens_open_with_the_new_key_alone():
    before = Protector(f"k1:{OLD}", "bi")
    docs = [{"_id": i, "pii": before.encrypt(f"secret {i}")} for i in range(3)]
    docs.append({"_id": 9, "pii": None})  # nothing stored: nothing to rotate
    during = Protector(f"k2:{NEW},k1:{OLD}", "bi")  # new key first, old still readable
    assert during.decrypt(docs[0]["pii"]) == "secret 0"

    changes = rotate_page(docs, "pii", during.rotate)

    after = Protector(f"k2:{NEW}", "bi")  # the old key has left the ring
    assert [i for i, _, _ in changes] == [0, 1, 2]
    assert [after.decrypt(new) for _, _, new in changes] == ["secret 0", "secret 1", "secret 2"]
    assert all(old == docs[i]["pii"] for i, old, _ in changes)  # compare-and-set values
    with pytest.raises(InvalidToken):
        after.decrypt(docs[0]["pii"])

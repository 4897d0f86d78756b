"""Issue 10 (keys): a new key joins the ring, everything is re-encrypted under it while
the pipeline runs, and the old key is no longer needed to read anything."""
from __future__ import annotations

import signal

import pytest
from cryptography.fernet import Fernet
from pymongo import MongoClient

from common.pii import Protector
from tests.ingestion.helpers import cn_id

pytestmark = pytest.mark.integration


def _ring(stack) -> str:
    secrets = dict(line.split("=", 1) for line in (stack.base / "secrets.env").read_text().split())
    return secrets["CRM_ENCRYPTION_KEYS"]


def _set_ring(stack, ring: str) -> None:
    path = stack.base / "secrets.env"
    lines = [f"CRM_ENCRYPTION_KEYS={ring}" if line.startswith("CRM_ENCRYPTION_KEYS=") else line
             for line in path.read_text().split()]
    path.write_text("\n".join(lines) + "\n")


def _tokens(stack) -> tuple[str, str]:
    with MongoClient(stack.mongo_uri("ingestion")) as client:
        db = client["crm_ingestion"]
        record = db["records"].find_one({"source": "kr_t", "external_id": "K-1"})
        reject = db["rejects"].find_one({"source": "kr_t"}, sort=[("received_at", -1)])
    return record["pii"], reject["raw"]


def test_rotate_re_encrypts_everything_under_the_new_key(stack):
    stack.publish({"source": "kr_t", "external_id": "K-1", "name": "Key Holder",
                   "national_id": cn_id(901), "phones": ["13900001111"]})
    stack.publish({"source": "kr_t", "external_id": "K-2", "financials": "wrong type",
                   "national_id": cn_id(902)})
    stack.drain(timeout=600)
    old_record, old_reject = _tokens(stack)
    old_ring = _ring(stack)
    new_key = Fernet.generate_key().decode()
    _set_ring(stack, f"kr2:{new_key},{old_ring}")
    stack.signal_service("ingestion", signal.SIGTERM)
    stack.up()  # ingestion comes back with the new key first in its ring

    assert stack.crm("keys", "status").stdout.startswith("encrypting with kr2")
    done = stack.crm("keys", "rotate", "--page", "2000")
    assert "rotated to key kr2" in done.stdout

    new_record, new_reject = _tokens(stack)
    assert (new_record, new_reject) != (old_record, old_reject)
    new_only = Protector(f"kr2:{new_key}", "unused")
    assert "13900001111" in new_only.decrypt(new_record)
    assert "wrong type" in new_only.decrypt(new_reject)
    reject_id = next(r["id"] for r in stack.crm_json("rejects", "list", "--json")
                     if r["source"] == "kr_t")
    assert "K-2" in stack.crm("rejects", "show", reject_id).stdout  # still readable

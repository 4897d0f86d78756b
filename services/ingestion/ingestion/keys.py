"""Encryption-key rotation without downtime.

The key ring (CRM_ENCRYPTION_KEYS, newest first) encrypts with its first key and
decrypts with any, so rotation is: put the new key first and restart ingestion
(rolling: old and new processes both read everything), then run `crm keys rotate`,
which pages through the stored ciphertexts and re-encrypts each under the new key
while the pipeline keeps running; then the old key can leave the ring. Each page is
a compare-and-set bulk write, so a record updated meanwhile is not overwritten, and
running it again is harmless.
"""
from __future__ import annotations

from typing import Callable, Iterable

from bson import ObjectId
from pymongo import UpdateOne

from common.rpcs import rpc

# collection -> the field holding one ciphertext
ENCRYPTED_FIELDS: dict[str, str] = {"records": "pii", "rejects": "raw"}


def rotate_page(docs: Iterable[dict], field: str,
                rotate: Callable[[str], str]) -> list[tuple[object, str, str]]:
    """(id, old token, new token) for each document holding a ciphertext (pure)."""
    return [(doc["_id"], doc[field], rotate(doc[field])) for doc in docs if doc.get(field)]


def _after_filter(after: str | None) -> dict:
    if not after:
        return {}
    return {"_id": {"$gt": ObjectId(after) if ObjectId.is_valid(after) else after}}


class KeyRotation:
    """Mixin for the ingestion service: the RPCs behind `crm keys status|rotate`."""

    @rpc(role="admin")
    def keys_status(self) -> dict:
        """Key ids of the ring this process uses, newest (the encrypting one) first."""
        return {"key_ids": self.pipeline.key_ids()}

    @rpc(role="admin")
    def keys_rotate(self, collection: str, after: str = "", limit: int = 500) -> dict:
        """Re-encrypt one page of `collection` under the newest key; `next` is the
        cursor for the following page (empty when done)."""
        if collection not in ENCRYPTED_FIELDS:
            raise ValueError(f"collection must be one of {sorted(ENCRYPTED_FIELDS)}")
        field = ENCRYPTED_FIELDS[collection]
        coll = self.store.db[collection]
        docs = list(coll.find({**_after_filter(after), field: {"$type": "string"}},
                              {field: 1}).sort("_id", 1).limit(max(1, min(limit, 5000))))
        changes = rotate_page(docs, field, self.pipeline.rotate)
        if changes:
            coll.bulk_write([UpdateOne({"_id": i, field: old}, {"$set": {field: new}})
                             for i, old, new in changes], ordered=False)
        return {"rotated": len(changes), "key_id": self.pipeline.key_ids()[0],
                "next": str(docs[-1]["_id"]) if len(docs) == max(1, min(limit, 5000)) else ""}

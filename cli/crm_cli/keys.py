"""`crm keys status|rotate`: re-encrypt stored personal data under the newest key.

Rotation runs while the pipeline keeps working: put the new key first in
CRM_ENCRYPTION_KEYS, restart ingestion (rolling), run `crm keys rotate`, then drop
the old key from the ring. Progress goes to stderr, the totals to stdout.
"""
from __future__ import annotations

import sys

from .client import rpc

COLLECTIONS = ("records", "rejects")


def status(args) -> int:
    with rpc() as proxy:
        ring = proxy.ingestion.keys_status()["key_ids"]
    print(f"encrypting with {ring[0]}; readable: {', '.join(ring)}")
    return 0


def rotate(args) -> int:
    totals: dict[str, int] = {}
    key_id = "?"
    with rpc(timeout=600) as proxy:
        for collection in COLLECTIONS:
            after, totals[collection] = "", 0
            while True:
                page = proxy.ingestion.keys_rotate(collection, after, args.page)
                totals[collection] += page["rotated"]
                key_id, after = page["key_id"], page["next"]
                print(f"{collection}: {totals[collection]} re-encrypted", file=sys.stderr)
                if not after:
                    break
    print(f"rotated to key {key_id}: " + ", ".join(f"{n} {c}" for c, n in totals.items()))
    return 0


def add_parsers(sub) -> None:
    keys = sub.add_parser("keys", help="encryption key ring: status, background re-encryption")
    ksub = keys.add_subparsers(dest="action", required=True)
    ksub.add_parser("status").set_defaults(func=status)
    rot = ksub.add_parser("rotate", help="re-encrypt every stored ciphertext under the newest key")
    rot.add_argument("--page", type=int, default=500, help="documents per RPC call")
    rot.set_defaults(func=rotate)

"""`crm keys status|rotate`: re-encrypt stored personal data under the newest key.

Rotation runs while the pipeline keeps working: put the new key first in
CRM_ENCRYPTION_KEYS, restart ingestion (rolling), run `crm keys rotate`, then drop
the old key from the ring. Progress goes to stderr (in a terminal), the totals to
stdout.
"""
from __future__ import annotations

import sys

from .client import rpc
from .listing import positive_int
from .output import json_line
from .parsers import command, group
from .progress import bar, wanted
from .single import show_one

COLLECTIONS = ("records", "rejects")


def status(args) -> int:
    return show_one(args, lambda proxy: _ring(proxy.ingestion.keys_status()["key_ids"]),
                    lambda ring: print(f"encrypting with {ring['encrypting']}; readable: "
                                       f"{', '.join(ring['readable'])}"))


def _ring(key_ids: list[str]) -> dict:
    """The ring as --json shows it: the key that encrypts (the first) and every readable one."""
    return {"encrypting": key_ids[0], "readable": key_ids}


def rotate(args) -> int:
    """Page through each collection; in a terminal a bar per collection on stderr
    (ingestion does not say how many documents remain: done and rate, no total)."""
    totals: dict[str, int] = {}
    key_id = "?"
    show = wanted(args.json)
    with rpc(timeout=600) as proxy:
        for collection in COLLECTIONS:
            after, totals[collection] = "", 0
            with bar(f"re-encrypting {collection}", None, show) as progress:
                while True:
                    page = proxy.ingestion.keys_rotate(collection, after, args.page)
                    totals[collection] += page["rotated"]
                    key_id, after = page["key_id"], page["next"]
                    progress.advance(page["rotated"])
                    if not after:
                        break
                progress.finish()
    if args.json:
        sys.stdout.write(json_line({"key_id": key_id, **totals}))
        return 0
    print(f"rotated to key {key_id}: " + ", ".join(f"{n} {c}" for c, n in totals.items()))
    return 0


def add_parsers(sub) -> None:
    ksub = group(sub, "keys", "encryption key ring: status, background re-encryption")
    st = command(ksub, "status", "which key encrypts, which keys can still be read",
                 "crm keys status")
    st.add_argument("--json", action="store_true", help="the ring as one JSON line")
    st.set_defaults(func=status)
    rot = command(ksub, "rotate", "re-encrypt every stored ciphertext under the newest key",
                  "crm keys rotate", "crm keys rotate --page 2000")
    rot.add_argument("--page", type=positive_int, default=500, metavar="N",
                     help="documents per RPC call (default 500)")
    rot.add_argument("--json", action="store_true",
                     help="the key id and the counts per collection as one JSON line")
    rot.set_defaults(func=rotate)

"""How a recompute walks the pool: fixed hash buckets instead of an id cursor.

Every customer snapshot and tier record carries `bucket`, a stable hash of its
customer id in [0, BUCKETS). A recompute page is a bucket range, which an index on
(active[, branch], bucket) serves exactly: the page reads its own customers and
tiers and nothing else, so the cost per customer stays flat with the pool's size
(keyset paging with `$gt` + limit made SecantusDB decode every later document on
every page: quadratic), and disjoint ranges could run on several replicas at once.
"""
from __future__ import annotations

import zlib

BUCKETS = 4096


def bucket_of(customer_id: str) -> int:
    """crc32, not hash(): the same id must land in the same bucket in every process."""
    return zlib.crc32(customer_id.encode("utf-8")) % BUCKETS


def page_range(after: str, limit: int, pool_size: int) -> tuple[int, int]:
    """The bucket range [start, end) of the page after cursor `after` ("" first).

    Sized so a page holds about `limit` customers of a pool of `pool_size`; at least
    one bucket, never past the last.
    """
    if after and not (isinstance(after, str) and after.isdigit() and int(after) < BUCKETS):
        raise ValueError(f"recompute cursor {after!r} is not one this service returned")
    start = int(after) + 1 if after else 0
    span = max(1, limit * BUCKETS // max(pool_size, 1))
    return start, min(start + span, BUCKETS)


def next_cursor(end: int) -> str | None:
    """The cursor for the page after [start, end); None when the pool is done."""
    return str(end - 1) if end < BUCKETS else None

"""The whole history a page at a time, each merge group whole and in exactly one page (pure).

A report or a quarter's first gauge refresh counts every customer. Reading every fact at
once made reporting's memory grow with the pool (a million customers hold millions of
facts), so the history is read in ranges of customer ids instead. Customer ids are "C"
and hexadecimal digits (dedup), so ranges of their first digits hold about the same
number of customers; any other id still falls in the first or the last range.

A merge group's facts belong together (a survivor's history includes the customers it
absorbed), and its ids may lie in different ranges: a group is counted in the range of
its smallest id that has facts (its owner), with the facts of its other ids read too.
"""
from __future__ import annotations

from typing import Any, Iterable, Iterator, Mapping

Fact = Mapping[str, Any]
ID_PREFIX = "C"
FACTS_PER_PAGE = 20_000  # about 40 MB of facts in Python at the most, whatever the pool
MAX_WIDTH = 5            # 16**5 ranges: a page per ~50 customers of a 50-million pool


def width_for(fact_count: int) -> int:
    """Hex digits of the range bounds: enough ranges that a page holds about
    FACTS_PER_PAGE facts (16 ranges at the least)."""
    width = 1
    while 16 ** width * FACTS_PER_PAGE < fact_count and width < MAX_WIDTH:
        width += 1
    return width


def page_count(width: int) -> int:
    return 16 ** width


def bounds(index: int, width: int) -> tuple[str | None, str | None]:
    """[low, high) of page `index` (None: unbounded), the pages together covering every
    string: the first starts nowhere, the last ends nowhere."""
    def bound(i: int) -> str:
        return ID_PREFIX + format(i, f"0{width}x")
    last = page_count(width) - 1
    return (None if index == 0 else bound(index),
            None if index == last else bound(index + 1))


def within(customer_id: str, low: str | None, high: str | None) -> bool:
    return (low is None or customer_id >= low) and (high is None or customer_id < high)


def groups_of(links: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Id -> a representative of its merge group, for every id a link names
    (union-find over the (absorbed, survivor) links)."""
    parent: dict[str, str] = {}

    def find(cid: str) -> str:
        parent.setdefault(cid, cid)
        while parent[cid] != cid:
            parent[cid] = parent[parent[cid]]
            cid = parent[cid]
        return cid

    for absorbed, into in links:
        a, b = find(absorbed), find(into)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return {cid: find(cid) for cid in list(parent)}


def owned(facts: Iterable[Fact], links: Iterable[tuple[str, str]], low: str | None,
          high: str | None) -> list[Fact]:
    """The facts of the merge groups this page owns: `facts` holds every fact of the
    groups that have an id in [low, high); a group is owned where its smallest id with
    facts lies."""
    facts = list(facts)
    group = groups_of(links)
    owner: dict[str, str] = {}
    for fact in facts:
        cid = fact["customer_id"]
        key = group.get(cid, cid)
        owner[key] = min(owner.get(key, cid), cid)
    return [f for f in facts
            if within(owner[group.get(f["customer_id"], f["customer_id"])], low, high)]


def in_groups(ids: Iterable[str], group: Mapping[str, str], size: int) -> Iterator[list[str]]:
    """The ids in chunks of about `size` (`group`: id -> its merge group's
    representative, groups_of), each merge group whole in one chunk."""
    members: dict[str, list[str]] = {}
    for cid in sorted(set(ids)):
        members.setdefault(group.get(cid, cid), []).append(cid)
    chunk: list[str] = []
    for ids_of_group in members.values():
        chunk.extend(ids_of_group)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk

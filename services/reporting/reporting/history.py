"""The whole history, a page of whole merge groups at a time (domain/paging.py).

A report and a quarter's first gauge count need every customer's facts; read at once,
they made reporting's memory follow the pool. A page is a range of customer ids, its
facts, and those of the ids merged with them outside the range, so that every merge
group is counted whole, in the one page that owns it.
"""
from __future__ import annotations

from typing import Iterator

from .domain import paging
from .domain.timeline import Fact
from .storage import ReportingStore


def page(store: ReportingStore, index: int, width: int) -> list[Fact]:
    """The facts of the merge groups page `index` (of 16**width) owns."""
    low, high = paging.bounds(index, width)
    inside = store.facts_between(low, high)
    links = store.links_around({f["customer_id"] for f in inside})
    outside = {cid for pair in links for cid in pair if not paging.within(cid, low, high)}
    return paging.owned([*inside, *store.facts_of(outside)], links, low, high)


def pages(store: ReportingStore) -> Iterator[list[Fact]]:
    """Every page in turn, sized by the facts kept when the reading starts."""
    width = paging.width_for(store.fact_count())
    for index in range(paging.page_count(width)):
        yield page(store, index, width)

"""The history read a page of whole merge groups at a time: the pages cover every id
once, each merge group is counted once (wherever its ids fall), and a report added up
page by page equals the report counted from every fact at once."""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # population

from reporting import history  # noqa: E402
from reporting.domain import kpi, paging  # noqa: E402
from reporting.domain.timeline import groups  # noqa: E402

from reporting.domain.periods import parse_period  # noqa: E402
from test_kpi import population  # noqa: E402

Q4 = parse_period("2026Q4")

# C5 absorbs C6: spread over pages both ways round (the survivor's id the larger, then
# the smaller one), the others spread over the first, a middle and the last page
RENAMED = {"C1": "B-legacy", "C2": "C0a", "C3": "C7f", "C4": "Cff", "C5": "C3e", "C6": "C90"}
SWAPPED = {**RENAMED, "C5": "Cd2", "C6": "C1b"}


class _Memory:
    """The store's reads that history.py makes, over a list of facts."""

    def __init__(self, facts: list[dict]):
        self.facts, self.reads = facts, []
        self.links = [(absorbed, f["customer_id"]) for f in facts if f["kind"] == "merge"
                      for absorbed in f["absorbed_ids"]]

    def fact_count(self) -> int:
        return len(self.facts)

    def facts_between(self, low, high) -> list[dict]:
        found = [f for f in self.facts if paging.within(f["customer_id"], low, high)]
        self.reads.append(len(found))
        return found

    def links_around(self, ids) -> list[tuple[str, str]]:
        seen, pairs = set(ids), set()
        while True:
            more = {p for p in self.links if seen & set(p)} - pairs
            if not more:
                return sorted(pairs)
            pairs |= more
            seen |= {cid for p in more for cid in p}

    def facts_of(self, ids) -> list[dict]:
        return [f for f in self.facts if f["customer_id"] in set(ids)]


def _renamed(names: dict[str, str]) -> list[dict]:
    def rename(value):
        return [names.get(v, v) for v in value] if isinstance(value, list) \
            else names.get(value, value)
    return [{k: rename(v) if k in ("customer_id", "absorbed_ids") else v
             for k, v in fact.items()} for fact in population()]


def test_the_pages_cover_every_string_once():
    for width in (1, 2):
        spans = [paging.bounds(i, width) for i in range(paging.page_count(width))]
        assert spans[0][0] is None and spans[-1][1] is None
        assert all(spans[i][1] == spans[i + 1][0] for i in range(len(spans) - 1))
        for cid in ("", "A", "C", "C0", "C00ff", "C5", "Cfff", "Czz", "anon-x", "~"):
            assert sum(paging.within(cid, *span) for span in spans) == 1, (width, cid)


def test_more_facts_make_more_pages_up_to_a_bound():
    assert paging.width_for(0) == paging.width_for(16 * paging.FACTS_PER_PAGE) == 1
    assert paging.width_for(16 * paging.FACTS_PER_PAGE + 1) == 2
    assert paging.width_for(10 ** 12) == paging.MAX_WIDTH


def test_merge_groups_join_through_every_link():
    group = paging.groups_of([("b", "a"), ("c", "b"), ("e", "d")])
    assert group["a"] == group["b"] == group["c"] != group["d"] == group["e"]


@pytest.mark.parametrize("names", [RENAMED, SWAPPED], ids=["survivor-later", "survivor-first"])
def test_every_fact_is_counted_once_and_the_pages_add_up_to_the_whole(names):
    facts = _renamed(names)
    store = _Memory(facts)
    pages = list(history.pages(store))
    assert Counter(f["_id"] for page in pages for f in page) == Counter(f["_id"] for f in facts)
    assert sum(1 for page in pages if page) == 4  # pages 0, 3 or 1 (the merge), 7, 15
    for by in ("branch", "maintainer"):
        found: dict = {}
        for page in pages:
            kpi.add_up(found, kpi.tallies(groups(page), Q4, by))
        assert kpi.rows(found, by) == kpi.compute(groups(facts), Q4, by)
    assert max(store.reads) < len(facts) / 2  # a page reads its own range


def test_a_merge_group_is_owned_by_the_page_of_its_smallest_id():
    facts = _renamed(SWAPPED)
    merge_ids = {"Cd2", "C1b"}
    store = _Memory(facts)
    owners = {i for i in range(16)
              if any(f["customer_id"] in merge_ids for f in history.page(store, i, 1))}
    assert owners == {1}  # "C1b", the absorbed id, is the smaller


def test_ids_come_in_chunks_that_keep_each_merge_group_whole():
    group = paging.groups_of([("C2", "C9"), ("C3", "C9")])
    ids = ["C1", "C2", "C3", "C4", "C5", "C9"]
    chunks = list(paging.in_groups(ids, group, 2))
    assert chunks == [["C1", "C2", "C3", "C9"], ["C4", "C5"]]  # a group is never split
    assert list(paging.in_groups(ids, {}, 2)) == [["C1", "C2"], ["C3", "C4"], ["C5", "C9"]]

"""Recompute paging: every bucket visited exactly once, pages sized to the pool."""
import pytest

from tiering.domain.paging import BUCKETS, bucket_of, next_cursor, page_range


def walk(limit: int, pool_size: int) -> list[tuple[int, int]]:
    pages, after = [], ""
    while after is not None:
        start, end = page_range(after, limit, pool_size)
        pages.append((start, end))
        after = next_cursor(end)
    return pages


@pytest.mark.parametrize("limit,pool_size", [(1000, 100_000), (2, 7), (5000, 10), (1, 10**7),
                                             (3, 0)])
def test_pages_cover_every_bucket_once_in_order(limit, pool_size):
    pages = walk(limit, pool_size)
    covered = [b for start, end in pages for b in range(start, end)]
    assert covered == list(range(BUCKETS))


def test_page_holds_about_limit_customers():
    start, end = page_range("", 1000, 100_000)
    assert (end - start) * 100_000 / BUCKETS == pytest.approx(1000, rel=0.05)


def test_small_pool_is_one_page():
    assert walk(1000, 50) == [(0, BUCKETS)]


def test_bucket_is_stable_and_in_range():
    assert bucket_of("C0123456789abcdef") == bucket_of("C0123456789abcdef")
    assert {bucket_of(f"C{n:016x}") for n in range(20000)} == set(range(BUCKETS))


@pytest.mark.parametrize("cursor", ["x", "-1", str(BUCKETS), "C123", 5, ["1"]])
def test_foreign_cursor_is_refused(cursor):
    with pytest.raises(ValueError):
        page_range(cursor, 10, 100)

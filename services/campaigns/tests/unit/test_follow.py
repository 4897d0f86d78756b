"""The read model: newer facts win, merges and erasures are final."""
from __future__ import annotations

from campaigns.domain.follow import Fact, fold, tier_of


def golden(cid: str, revision: int, branch: str = "B1", absorbed=(), **customer) -> Fact:
    body = {"customer": {"customer_id": cid, "revision": revision, "branch": branch,
                         **customer}, "absorbed_ids": list(absorbed)}
    return Fact("customer.merged" if absorbed else "customer.registered", "t", body)


def tier(cid: str, current, at: str, scheme: str = "star") -> Fact:
    return Fact("tier.changed", at, {"customer_id": cid, "scheme": scheme,
                                     "current": current, "branch": "B1"})


def test_golden_snapshot_keeps_the_newest_revision():
    rows = fold([golden("c", 2, consent={"marketing": False}), golden("c", 1, branch="B9")], {})
    assert rows["c"]["branch"] == "B1" and rows["c"]["consent"] == {"marketing": False}


def test_tiers_and_maintainer_by_time_whatever_the_order():
    facts = [tier("c", "3", "2026-12-02T10:00:01+00:00"), tier("c", "2", "2026-12-02T10:00:00+00:00"),
             Fact("customer.assigned", "2026-12-02T10:00:05+00:00",
                  {"customer_id": "c", "manager_id": "M2"}),
             Fact("customer.assigned", "2026-12-02T10:00:04+00:00",
                  {"customer_id": "c", "manager_id": "M1"})]
    row = fold(facts, {})["c"]
    assert tier_of(row, "star") == "3" and row["maintainer"] == "M2" and row["branch"] == "B1"


def test_merge_points_the_absorbed_at_the_survivor():
    rows = fold([golden("a", 0), golden("b", 0), golden("a", 1, absorbed=["b"])], {})
    assert rows["b"]["merged_into"] == "a" and rows["a"]["merged_into"] is None


def test_an_erased_customer_accepts_nothing_more():
    rows = fold([golden("c", 1), Fact("customer.erased", "t", {"customer_id": "c"})], {})
    assert rows["c"]["erased"] and rows["c"]["branch"] is None
    assert fold([golden("c", 5), tier("c", "2", "z")], rows) == {}


def test_only_changed_rows_are_returned():
    first = fold([tier("c", "2", "2")], {})
    assert fold([tier("c", "1", "1")], first) == {}

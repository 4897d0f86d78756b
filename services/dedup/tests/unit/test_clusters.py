"""Golden customers: best match and merging (the bench pool: test_bench_pool.py)."""
import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # dedup_records

from dedup.domain.clusters import (  # noqa: E402
    best_match, build_golden, choose_survivor, merge_goldens,
    merge_into, new_golden,
)
from dedup.plugins.matchers import default_matchers  # noqa: E402
from dedup_records import rec  # noqa: E402

M = default_matchers()


def test_new_golden_and_merge_into_aggregate_without_mutating():
    a = rec("src:1", phone_bis=["p1"], national_id_bi="n1")
    g = new_golden(a, "C1")
    assert g["members"] == ["src:1"] and g["national_id_bis"] == ["n1"]
    b = rec("web:2", name="Zhang San", phone_bis=["p2"], email_bis=["e"],
            registered_at="2023-06-01T00:00:00", registered_by="u2")
    g2 = merge_into(g, b)
    assert g["members"] == ["src:1"]  # pure: original untouched
    assert set(g2["members"]) == {"src:1", "web:2"}
    assert g2["names"] == ["Zhang San", "张三"]  # ordered by registration
    assert set(g2["phone_bis"]) == {"p1", "p2"} and g2["email_bis"] == ["e"]
    assert g2["owner"] == {"registered_by": "u2", "registered_at": "2023-06-01T00:00:00",
                           "source": "web", "external_id": "2"}
    assert g2["has_contact"] is True and g2["customer_id"] == "C1"


def test_merge_is_order_independent_and_idempotent():
    recs = [rec("a:1", registered_at="2024-02-01T00:00:00", phone_bis=["p"]),
            rec("b:2", registered_at="2023-02-01T00:00:00", name="Zhang San"),
            rec("c:3", registered_at=None, email_bis=["e"])]
    goldens = []
    for order in itertools.permutations(recs):
        g = new_golden(order[0], "C")
        for r in order[1:]:
            g = merge_into(g, r)
        goldens.append(g)
    assert all(g == goldens[0] for g in goldens)
    assert build_golden("C", recs[::-1]) == goldens[0]
    assert merge_into(goldens[0], recs[0]) == goldens[0]  # redelivery changes nothing


def test_owner_follows_registered_at_not_arrival():
    late_first = rec("a:1", registered_by="late", registered_at="2024-05-01T00:00:00")
    early_second = rec("b:2", registered_by="early", registered_at="2022-05-01T00:00:00")
    g = merge_into(new_golden(late_first, "C1"), early_second)
    assert g["owner"]["registered_by"] == "early"


def test_financials_follow_as_of():
    a = rec("a:1", financials={"financial_assets": 10, "as_of": "2024-06-30"})
    b = rec("b:2", financials={"financial_assets": 99, "as_of": "2023-12-31"})
    assert merge_into(new_golden(a, "C"), b)["financials"]["financial_assets"] == 10
    assert merge_into(new_golden(b, "C"), a)["financials"]["financial_assets"] == 10


def test_transitive_merge_of_goldens_keeps_earliest_owner():
    g1 = new_golden(rec("a:1", registered_at="2024-01-01T00:00:00", phone_bis=["p"]), "C1")
    g2 = new_golden(rec("b:2", registered_at="2021-01-01T00:00:00", name="Zhang San",
                        national_id_bi="n"), "C2")
    survivor, absorbed = choose_survivor(g1, g2)
    assert survivor["customer_id"] == "C2" and absorbed["customer_id"] == "C1"
    merged = merge_goldens(survivor, absorbed)
    assert merged["customer_id"] == "C2" and merged["merged_ids"] == ["C1"]
    assert set(merged["members"]) == {"a:1", "b:2"}
    assert merged["owner"]["source"] == "b" and merged["national_id_bis"] == ["n"]
    # A later merge carries earlier absorbed ids along.
    g3 = new_golden(rec("c:3", registered_at="2025-01-01T00:00:00"), "C3")
    assert merge_goldens(g3, merged)["merged_ids"] == ["C1", "C2"]


def test_best_match_picks_highest_score():
    strong = new_golden(rec("a:1", phone_bis=["p"]), "C1")
    weak = new_golden(rec("b:2", name="张三丰", birth_date="1985-03-07"), "C2")
    other = new_golden(rec("c:3", name="李四", birth_date="1990-01-01"), "C3")
    decision, golden, results = best_match(rec("n:1", name="Zhang San", phone_bis=["p"]),
                                           [other, weak, strong], M)
    assert decision == "match" and golden["customer_id"] == "C1"
    assert [g["customer_id"] for g, _ in results][0] == "C1"
    assert results[-1][1].decision == "no_match"
    assert best_match(rec("n:2"), [], M) == ("no_match", None, [])
    d, g, _ = best_match(rec("n:3", name="李四", birth_date="1971-02-02"), [other], M)
    assert d == "no_match" and g is None


def test_a_non_survivor_members_spelling_and_date_still_match():
    # The survivor shows the earliest source's values; a record written like the
    # later member must meet that member's spelling and date, not only the survivor's.
    g = build_golden("C1", [rec("a:1", name="Catherine Peterson", birth_date="1943-09-03",
                                registered_at="2020-01-01T00:00:00"),
                            rec("b:2", name="Kathryn Petersen", birth_date="1943-03-09",
                                registered_at="2023-01-01T00:00:00")])
    assert g["name"] == "Catherine Peterson"
    d, best, results = best_match(rec("c:3", name="Kathryn Petersen",
                                      birth_date="1943-03-09"), [g], M)
    assert d == "match" and results[0][1].evidence["name"] == 1.0
    assert results[0][1].evidence["birth_date"] == 1.0

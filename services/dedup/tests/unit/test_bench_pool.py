"""The bench's in-memory pool (bench/pool.py): merges, bridges, transitive merges
and block reading, all through the domain's resolve."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # services/dedup: bench.*
sys.path.insert(0, str(Path(__file__).resolve().parent))  # dedup_records

from bench.pool import IncrementalMatcher  # noqa: E402
from dedup.plugins.matchers import default_matchers  # noqa: E402
from dedup_records import EVIDENCE, rec  # noqa: E402

M = default_matchers()


def test_incremental_pool_merges_bridges_and_respects_id_conflicts():
    pool = IncrementalMatcher(M)
    o1 = pool.add(rec("a:1", name="Zhang San", birth_date="1985-03-07", phone_bis=["p"],
                      registered_at="2024-01-01T00:00:00"))
    o2 = pool.add(rec("b:2", name="张三", birth_date=None, email_bis=["e"],
                      postcode=None, registered_at="2020-01-01T00:00:00"))
    assert o1.decision == "no_match" and o2.decision != "match"  # nothing links them yet
    # A record that carries both the phone and the email bridges the two goldens.
    o3 = pool.add(rec("c:3", name="张三", phone_bis=["p"], email_bis=["e"]))
    assert o3.decision == "match" and len(pool.goldens) == 1
    g = pool.goldens[o3.customer_id]
    assert set(g["members"]) == {"a:1", "b:2", "c:3"}
    assert g["owner"]["source"] == "b"  # earliest registration survives
    assert o3.customer_id == o2.customer_id and o3.absorbed == [o1.customer_id]
    # Every key of the absorbed golden now points at the survivor.
    assert all(o1.customer_id not in ids for ids in pool.index.values())
    # A namesake with another national id starts a new customer.
    pool.add(rec("d:4", national_id_bi="n1", phone_bis=["p"]))
    o5 = pool.add(rec("e:5", national_id_bi="n2", phone_bis=["p"]))
    assert o5.decision == "no_match" and len(pool.goldens) == 2


def test_pool_reads_specific_blocks_first_and_oversized_broad_blocks_only_rank():
    pool = IncrementalMatcher(M, max_block=3, max_candidates=2)
    broad = ["np:lilei|100000", "np3:leili|100000"]
    crowd = [pool.add_new(rec(f"s:{i}"), broad) for i in range(5)]       # oversized blocks
    true = pool.add_new(rec("s:t"), ["nd:lilei|1985-03-07", broad[0]])
    other = pool.add_new(rec("s:o"), ["nd:lilei|1985-03-07"])
    found = [g["customer_id"] for g in pool.candidates(rec("s:x"),
                                                       ["nd:lilei|1985-03-07", *broad])]
    assert found == [true, other]  # the broad key ranks, it does not add the crowd
    assert not set(found) & set(crowd)


def test_transitive_merge_follows_the_id_conflict_policy():
    # Two customers of one person, apart only because one id has a typo (unverified):
    # a record matching both bridges them under "evidence"; verified ids stay apart.
    def person(rid, nid, verified=False, **kw):
        fields = {"name": "Jed McFadden", "birth_date": "1961-04-05", "postcode": "2000",
                  "national_id_bi": nid, "verified_national_id_bi": nid if verified else None}
        return rec(rid, **{**fields, **kw})

    for verified, merged in ((False, True), (True, False)):
        pool = IncrementalMatcher(M, EVIDENCE)
        pool.add(person("a:1", "n1", verified, address_bi="A"))
        pool.add(person("b:2", "n2", verified, phone_bis=["p"], birth_date=None))
        assert len(pool.goldens) == 2
        out = pool.add(person("c:3", None, address_bi="A", phone_bis=["p"]))
        assert out.decision == "match"
        assert (len(pool.goldens) == 1) is merged, verified
    pool = IncrementalMatcher(M)  # default policy: any two ids are two customers
    pool.add(person("a:1", "n1", address_bi="A"))
    pool.add(person("b:2", "n2", phone_bis=["p"], birth_date=None))
    pool.add(person("c:3", None, address_bi="A", phone_bis=["p"]))
    assert len(pool.goldens) == 2

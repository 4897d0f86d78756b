"""A batch placed as one unit of work: order, working set, and the placer in memory."""
from __future__ import annotations

import types

import pytest

from dedup import placement
from dedup.dependencies import MatchingSetup
from dedup.domain.batch import WorkingSet, placement_order
from dedup.domain.scoring import merged_params
from dedup.placement import Placer, new_customer_id
from dedup.plugins.matchers import default_matchers


def rec(rid: str, at: str | None = "2024-01-01T00:00:00", **kw) -> dict:
    base = {"record_id": rid, "event_id": f"ev-{rid}", "correlation_id": None,
            "source": rid.split(":")[0], "external_id": rid.split(":")[1], "kind": "person",
            "name": "张三", "birth_date": "1985-03-07", "national_id_bi": None,
            "phone_bis": [], "email_bis": [], "postcode": "100000", "address_bi": None,
            "branch": "BR1", "registered_by": "u1", "registered_at": at, "financials": {},
            "intent": {}, "has_contact": False}
    base.update(kw)
    return base


def test_placement_order_is_by_registration_then_arrival():
    late, early, undated = rec("a:1", "2024-05-01T00:00:00"), rec("b:2", "2023-01-01T00:00:00"), \
        rec("c:3", None)
    tie1, tie2 = rec("d:4", "2023-06-01T00:00:00Z"), rec("e:5", "2023-06-01T00:00:00+00:00")
    order = placement_order([undated, late, tie2, early, tie1])
    assert [r["record_id"] for r in order] == ["b:2", "e:5", "d:4", "a:1", "c:3"]


def doc(cid: str, keys: list[str], members: list[str], active: bool = True,
        revision: int = 1) -> dict:
    return {"_id": cid, "customer_id": cid, "keys": keys, "members": members,
            "active": active, "revision": revision}


def test_working_set_overlays_the_batch_on_what_was_read():
    ws = WorkingSet()
    ws.know([doc("C1", ["k1"], ["r1"], revision=4)])
    ws.put({**doc("C1", [], ["r1"], active=False, revision=5), "merged_into": "C2"})
    ws.put(doc("C2", ["k1", "k2"], ["r1", "r2"]))
    assert ws.owner_of("r1")["_id"] == "C2"
    stale = [doc("C1", ["k1"], ["r1"], revision=4)]  # the database still shows the old C1
    assert [d["_id"] for d in ws.candidates(["k1"], stale, 40)] == ["C2"]
    inserts, replaces = ws.writes()
    assert [d["_id"] for d in inserts] == ["C2"]
    assert [(d["_id"], d["revision"], base) for d, base in replaces] == [("C1", 5, 4)]


def test_the_owner_is_the_holder_written_last_else_the_first_known():
    """What the batch's indexes answer is what looking at every customer answered: a
    record's owner is the active holder the batch wrote last, else the first it read;
    a holder that gave the record or its keys up (a later state) is not found."""
    ws = WorkingSet()
    ws.know([doc("A", ["k1"], ["r1"]), doc("B", ["k1"], ["r1"])])
    assert ws.owner_of("r1")["_id"] == "A"  # nothing written: the first read
    ws.put(doc("B", ["k1"], ["r1"]))
    ws.put(doc("C", ["k9"], ["r1", "r2"]))
    assert ws.owner_of("r1")["_id"] == "C"  # written last
    ws.put(doc("C", [], ["r2"]))  # C gives r1 and its key up
    assert ws.owner_of("r1")["_id"] == "B"
    assert ws.owner_of("nobody") is None
    assert [d["_id"] for d in ws.candidates(["k9"], [], 40)] == []
    ws.put(doc("D", ["k9"], ["r3"], active=False))
    assert [d["_id"] for d in ws.candidates(["k9", "k1"], [], 40)] == ["B"]


def test_candidates_rank_by_shared_keys_and_keep_the_limit():
    ws = WorkingSet()
    rows = [doc("C3", ["k1"], []), doc("C1", ["k1", "k2"], []), doc("C2", ["k1"], [])]
    assert [d["_id"] for d in ws.candidates(["k1", "k2"], rows, 2)] == ["C1", "C2"]


def test_claims_go_to_the_new_customer_unless_an_active_one_holds_them():
    ws = WorkingSet()
    ws.know([doc("OLD", [], [], active=False), doc("LIVE", ["k2"], [])])
    ws.claims.update({"k1": "OLD", "k2": "LIVE"})
    ws.claim("NEW", ["k1", "k2", "k3"])
    assert ws.claimed == {"k1": "NEW", "k3": "NEW"}
    assert ws.claims["k2"] == "LIVE"


class FakeOutbox:
    def __init__(self):
        self.staged: list[tuple[str, dict]] = []

    def stage(self, event_type, payload, cause_id, key, correlation_id=None):
        self.staged.append((event_type, payload))
        return {"event_id": f"{cause_id}|{event_type}|{key}"}


def _within(limit: int, blocks: dict) -> dict | None:
    """batch_store.candidate_blocks gives up (None) past `limit` rows."""
    return None if len({c["_id"] for rows in blocks.values() for c in rows}) > limit \
        else blocks


@pytest.fixture
def pool(monkeypatch):
    """An in-memory database behind batch_store's reads."""
    customers: dict[str, dict] = {}
    claims: dict[str, str] = {}
    fake = types.SimpleNamespace(
        owners_of=lambda s, ids, sess: [c for c in customers.values()
                                        if c["active"] and set(ids) & set(c["members"])],
        erased_records=lambda s, ids, sess: set(),
        candidate_rows=lambda s, keys, mb, sess: [c for c in customers.values()
                                                  if c["active"] and set(keys) & set(c["keys"])],
        candidate_blocks=lambda s, keys, limit, sess: _within(limit, {
            k: [c for c in customers.values() if c["active"] and k in c["keys"]]
            for k in keys}),
        customers=lambda s, ids, sess: [customers[i] for i in ids if i in customers],
        claims_of=lambda s, keys, sess: {k: claims[k] for k in keys if k in claims})
    monkeypatch.setattr(placement, "batch_store", fake)
    return customers, claims


def placer() -> tuple[Placer, FakeOutbox]:
    matching = MatchingSetup(default_matchers(), merged_params({}), 200, 40)
    outbox = FakeOutbox()
    return Placer(None, matching, outbox, None), outbox


def test_one_person_twice_in_a_batch_is_one_customer_owned_by_the_earliest(pool):
    later = rec("web:2", "2024-06-01T00:00:00", national_id_bi="n1", registered_by="u2")
    earlier = rec("core:1", "2023-01-01T00:00:00", national_id_bi="n1")
    p, outbox = placer()
    assert p.place_all(placement_order([later, earlier])) == ["no_match", "match"]
    inserts, replaces = p.ws.writes()
    assert replaces == [] and len(inserts) == 1
    golden = inserts[0]
    assert golden["_id"] == new_customer_id("core:1") and golden["revision"] == 2
    assert set(golden["members"]) == {"core:1", "web:2"}
    assert golden["owner"]["source"] == "core"
    assert [t for t, _ in outbox.staged] == ["customer.registered", "customer.merged"]
    assert p.ws.claimed["nid:n1"] == golden["_id"]


def test_a_bridge_in_the_same_batch_merges_two_stored_customers(pool):
    customers, claims = pool
    p0, _ = placer()
    p0.place_all([rec("a:1", "2023-01-01T00:00:00", national_id_bi="n9", name="李四",
                      birth_date=None)])
    p0.place_all([rec("b:2", "2023-02-01T00:00:00", phone_bis=["p9"], name="李四",
                      birth_date=None)])
    for d in p0.ws.writes()[0]:
        customers[d["_id"]] = d
    claims.update(p0.ws.claimed)
    assert len([c for c in customers.values() if c["active"]]) == 2
    p, outbox = placer()
    bridge = rec("c:3", "2024-01-01T00:00:00", national_id_bi="n9", phone_bis=["p9"],
                 name="李四", birth_date=None)
    assert p.place_all([bridge]) == ["match"]
    inserts, replaces = p.ws.writes()
    assert inserts == []
    by_id = {d["_id"]: d for d, _ in replaces}
    survivor = by_id[new_customer_id("a:1")]
    absorbed = by_id[new_customer_id("b:2")]
    assert survivor["active"] and set(survivor["members"]) == {"a:1", "b:2", "c:3"}
    assert not absorbed["active"] and absorbed["merged_into"] == survivor["_id"]
    merged = [body for t, body in outbox.staged if t == "customer.merged"]
    assert merged[0]["absorbed_ids"] == [absorbed["_id"]]


def test_a_record_seen_again_in_the_batch_updates_its_customer(pool):
    first = rec("a:1", national_id_bi="n5")
    again = {**first, "event_id": "ev-again", "phone_bis": ["p5"]}
    p, outbox = placer()
    assert p.place_all([first, first, again]) == ["no_match"]
    assert [t for t, _ in outbox.staged] == ["customer.registered", "customer.updated"]
    (golden,), _ = p.ws.writes()
    assert golden["phone_bis"] == ["p5"] and golden["revision"] == 2


def test_a_candidate_sharing_a_specific_key_outranks_broad_only_ones():
    ws = WorkingSet()
    wanted = ["nd:lilei|1985-03-07", "np:lilei|100000", "np3:leili|100000"]
    rows = [doc(f"B{i}", ["np:lilei|100000", "np3:leili|100000"], []) for i in range(5)]
    rows.append(doc("Z9", ["nd:lilei|1985-03-07"], []))
    assert [d["_id"] for d in ws.candidates(wanted, rows, 2)] == ["Z9", "B0"]


def test_a_merge_keeps_its_evidence_in_the_working_set(pool):
    later = rec("web:2", "2024-06-01T00:00:00", national_id_bi="n1", registered_by="u2")
    earlier = rec("core:1", "2023-01-01T00:00:00", national_id_bi="n1")
    p, _ = placer()
    p.place_all(placement_order([later, earlier]))
    [merge] = p.ws.merges
    assert merge["record_id"] == "web:2" and merge["kind"] == "automatic"
    assert merge["customer_id"] == merge["matched_id"] == new_customer_id("core:1")
    assert merge["decision"]["rule"] == "same_national_id"
    assert merge["evidence"]["exact_identifier"]["values"]["record"] == ["ID #n1"]


def test_a_review_keeps_its_evidence_and_a_shell_safe_id(pool):
    p, outbox = placer()
    first = rec("a:1", "2023-01-01T00:00:00", birth_date=None, phone_bis=["p1"])
    second = rec("b:2", "2024-01-01T00:00:00", birth_date=None, phone_bis=["p2"])
    assert p.place_all([first, second]) == ["no_match", "possible"]
    [(rid, review)] = p.ws.reviews.items()
    assert rid.startswith("RV") and rid.isalnum() and p.ws.merges == []
    assert review.branch == "BR1" and review.decision["outcome"] == "possible"
    assert set(review.evidence["name"]["values"]) == {"record", "candidate"}
    needed = [body for t, body in outbox.staged if t == "customer.review_needed"]
    assert needed[0]["review_id"] == rid


def test_a_batch_reads_its_blocks_once_and_ranks_a_crowded_block_whole(pool, monkeypatch):
    """Candidates come from the batch's blocks, no read per record; a block larger than
    a per-record read's cap is ranked whole, so the customer holding the record's most
    specific keys is found however many share one key; a batch whose blocks are too
    large to keep reads per record, as before."""
    customers, _ = pool
    customers["OLD"] = doc("OLD", ["nid:n5"], ["x:9"])
    per_record = []
    fake = placement.batch_store
    monkeypatch.setattr(fake, "candidate_rows", lambda s, keys, mb, sess: per_record.append(
        keys) or [c for c in customers.values() if c["active"] and set(keys) & set(c["keys"])])
    p, _ = placer()
    p.place_all([rec("a:1", national_id_bi="n5"), rec("b:2", national_id_bi="n6")])
    assert per_record == []
    crowd = {f"K{i:03d}": doc(f"K{i:03d}", ["np:sanzhang|100000"], [f"k:{i}"])
             for i in range(401)}
    customers.update(crowd)  # 401 > 2 x 200 share one key; "ZZ" holds two of c:3's keys
    customers["ZZ"] = doc("ZZ", ["np:sanzhang|100000", "nid:n7"], ["z:1"])
    p, _ = placer()
    ranked = []
    monkeypatch.setattr(p.ws, "candidates", lambda keys, rows, cap: ranked.append(
        len(rows)) or WorkingSet.candidates(p.ws, keys, rows, cap))
    p.place_all([rec("c:3", national_id_bi="n7")])
    assert per_record == [] and ranked == [402]
    monkeypatch.setattr(placement, "PREFETCH_ROWS", 100)
    p, _ = placer()
    p.place_all([rec("d:4", national_id_bi="n8")])
    assert len(per_record) == 1

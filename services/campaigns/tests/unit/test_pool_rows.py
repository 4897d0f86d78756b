"""Which documents a row's write touches (pool_rows._plan: pure, no database)."""
from __future__ import annotations

from campaigns.domain.follow import Fact, erased_row, fold
from campaigns.pool_rows import GOLDEN, PARTS, Read, _plan, assembled, parts_for

CID = "C0000000000000001"
BEFORE = "2026-11-01T00:00:00"


def plan(rows: dict, known: dict | None) -> tuple[dict, dict, dict]:
    writes = {GOLDEN: [], **{name: [] for name in PARTS}}
    stored = {name: set() for name in writes}
    drops = {name: [] for name in PARTS}
    for cid, row in rows.items():
        read = (None, {}, True) if known is None else \
            (known.get(cid), known.found.get(cid, {}), False)
        _plan(cid, row, read, (writes, stored, drops))
    return writes, stored, drops


def written(writes: dict) -> dict:
    return {name: [d["_id"] for d in docs] for name, docs in writes.items() if docs}


REGISTERED = Fact("customer.registered", "2026-12-01T00:00:00", {
    "customer": {"customer_id": CID, "branch": "BJ", "revision": 1}})
TIER = Fact("tier.changed", "2026-12-01T00:00:01", {
    "customer_id": CID, "scheme": "star", "current": "3", "branch": "BJ"})
ASSIGNED = Fact("customer.assigned", "2026-12-01T00:00:02", {
    "customer_id": CID, "manager_id": "M1"})


def stored_as(golden: dict | None, **parts) -> Read:
    """The row as read() assembles it from these stored documents."""
    row, found = assembled(CID, golden, {name: parts.get(name) for name in PARTS})
    return Read({CID: row}, {CID: found})


def test_a_new_customer_costs_one_insert_per_event_kind_and_no_replace():
    known = Read({}, {})
    first = fold([REGISTERED], known)
    writes, stored, drops = plan(first, known)
    assert written(writes) == {GOLDEN: [CID]} and not any(stored.values())
    golden = writes[GOLDEN][0]
    assert (golden["tiers"], golden["maintainer"]) == ({}, None)  # defaults, for older readers

    known = stored_as(golden)
    writes, stored, _ = plan(fold([TIER], known), known)
    assert written(writes) == {"tiers": [CID]} and not any(stored.values())

    known = stored_as(golden, tiers=writes["tiers"][0])
    writes, stored, drops = plan(fold([ASSIGNED], known), known)
    assert written(writes) == {"maintainers": [CID]} and not any(stored.values())
    assert not any(drops.values())


def test_a_later_change_replaces_only_its_own_document():
    known = stored_as({"_id": CID, "branch": "BJ", "revision": 1, "consent": {},
                       "products": [], "merged_into": None, "erased": False},
                      tiers={"_id": CID, "tiers": {"star": {"current": "3", "at": BEFORE}}})
    later = Fact("tier.changed", "2026-12-02T00:00:00", {
        "customer_id": CID, "scheme": "star", "current": "4", "branch": "BJ"})
    writes, stored, _ = plan(fold([later], known), known)
    assert written(writes) == {"tiers": [CID]} and stored["tiers"] == {CID}


def test_a_row_stored_inline_by_an_earlier_version_is_stored_apart_on_its_first_write():
    inline = {"_id": CID, "branch": "BJ", "revision": 1,
              "tiers": {"star": {"current": "3", "at": BEFORE}}, "maintainer": "M0",
              "maintainer_at": BEFORE, "consent": {}, "products": [], "merged_into": None,
              "erased": False}
    known = stored_as(inline)
    assert known[CID]["maintainer"] == "M0" and known[CID]["tiers"]["star"]["current"] == "3"
    writes, stored, _ = plan(fold([ASSIGNED], known), known)
    assert written(writes) == {GOLDEN: [CID], "tiers": [CID], "maintainers": [CID]}
    assert stored[GOLDEN] == {CID} and not stored["tiers"] and not stored["maintainers"]
    assert writes[GOLDEN][0]["tiers"] == {} and writes["maintainers"][0]["maintainer"] == "M1"


def test_an_erasure_rewrites_the_golden_document_and_deletes_the_parts_unread():
    writes, _, drops = plan({CID: erased_row(CID)}, None)
    assert written(writes) == {GOLDEN: [CID]} and writes[GOLDEN][0]["erased"] is True
    assert drops == {name: [CID] for name in PARTS}


def test_nothing_changed_nothing_written():
    known = stored_as({"_id": CID, "branch": "BJ", "revision": 1, "consent": {},
                       "products": [], "merged_into": None, "erased": False})
    writes, _, drops = plan({CID: dict(known[CID])}, known)
    assert not any(writes.values()) and not any(drops.values())


def test_a_batch_reads_the_parts_its_event_kinds_change():
    assert parts_for(["tier.changed"]) == ("tiers",)
    assert parts_for(["customer.assigned", "tier.changed"]) == ("tiers", "maintainers")
    assert parts_for(["customer.registered", "customer.merged"]) == ()


def test_a_tombstone_ignores_parts_an_older_replicas_erasure_left_behind():
    tombstone = {**erased_row(CID), "_id": CID}
    known = stored_as(tombstone, tiers={"_id": CID, "tiers": {"star": {"current": "3",
                                                                         "at": BEFORE}}})
    assert known[CID]["erased"] is True and known[CID]["tiers"] == {}

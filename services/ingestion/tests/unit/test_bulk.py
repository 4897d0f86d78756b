"""domain/bulk.py and handlers.ingest_batch: an array decided as one by one, in one commit.

Pure: the store's read and write and the transaction are replaced by in-memory fakes.
"""
from __future__ import annotations

from functools import partial
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet
from prometheus_client import REGISTRY

from common.events import Outbox
from common.pii import Protector
from ingestion import handlers, replay
from ingestion.dependencies import IntakePipeline
from ingestion.domain.bulk import Accepted, plan_records, raw_key, reject_terms
from ingestion.domain.erasure import ERASED_REASON
from ingestion.plugins.normalizers import BUILTIN_NORMALIZERS
from ingestion.import_book import ChunkDone, chunk_key, import_counts
from ingestion.redelivery import Origin

PIPELINE = IntakePipeline(list(BUILTIN_NORMALIZERS),
                          Protector(Fernet.generate_key().decode(), "unit-bulk-key"))


def rec(external_id: str, content: str, source: str = "s") -> Accepted:
    return Accepted(f"{source}:{external_id}", {"source": source, "external_id": external_id,
                                                "content_hash": content}, {})


def test_new_changed_unchanged_and_erased_records_as_one_by_one():
    stored = {("s", "old"): {"_id": 1, "version": 3, "content_hash": "a"},
              ("s", "same"): {"_id": 2, "version": 1, "content_hash": "b"},
              ("s", "gone"): {"_id": 3, "version": 2, "erased": True}}
    plan = plan_records([rec("new", "x"), rec("old", "z"), rec("same", "b"), None,
                         rec("gone", "q")], stored)
    assert [(d.status, d.version) if d else None for d in plan.decisions] == [
        ("created", 1), ("updated", 4), ("unchanged", 1), None, ("erased", 2)]
    writes = {w.key: w for w in plan.writes}
    assert set(writes) == {("s", "new"), ("s", "old")}
    assert writes[("s", "new")].base is None and writes[("s", "new")].version == 1
    assert writes[("s", "old")].base["_id"] == 1 and writes[("s", "old")].replaced == 1


def test_same_key_twice_in_one_array_later_wins_with_every_version():
    plan = plan_records([rec("e", "a"), rec("e", "a"), rec("e", "b"), rec("e", "c")], {})
    assert [(d.status, d.version) for d in plan.decisions] == [
        ("created", 1), ("unchanged", 1), ("updated", 2), ("updated", 3)]
    (write,) = plan.writes
    assert (write.base, write.version, write.replaced, write.doc["content_hash"]) == \
        (None, 3, 2, "c")


def test_stored_key_changed_twice_is_one_compare_and_set_on_the_stored_version():
    stored = {("s", "e"): {"_id": 9, "version": 5, "content_hash": "a"}}
    plan = plan_records([rec("e", "b"), rec("e", "a")], stored)
    assert [d.version for d in plan.decisions] == [6, 7]
    (write,) = plan.writes
    assert write.base is stored[("s", "e")] and write.replaced == 2


def test_same_external_id_under_two_sources_are_two_records():
    plan = plan_records([rec("e", "a", "s1"), rec("e", "a", "s2")], {})
    assert [d.status for d in plan.decisions] == ["created", "created"]
    assert len(plan.writes) == 2


@pytest.mark.parametrize("raw, key", [
    ({"source": "s", "external_id": "e"}, ("s", "e")), ({"source": "s", "external_id": 5}, None),
    ({"source": "", "external_id": "e"}, None), ("text", None), ([1], None)])
def test_raw_key_counts_only_non_empty_text(raw, key):
    assert raw_key(raw) == key


def test_a_reject_naming_an_erased_key_keeps_nothing_of_its_input():
    stored = {("s", "e"): {"erased": True, "version": 1}}
    assert reject_terms("missing_key", ["x"], ("s", "e"), stored)[::2] == (ERASED_REASON, False)
    assert reject_terms("missing_key", ["x"], ("s", "f"), stored) == ("missing_key", ["x"], True)
    assert reject_terms("missing_key", ["x"], None, stored)[2] is True


class FakeCollection:
    def __init__(self) -> None:
        self.rows: dict = {}

    def find(self, query, projection=None, session=None):
        """The event outbox's passes holding any of the ids (common.outbox_store)."""
        wanted = set(query["event_ids"]["$in"])
        return [r for r in self.rows.values() if wanted & set(r.get("event_ids", ()))]

    def insert_many(self, rows, ordered=True, session=None):
        for row in rows:
            assert row["_id"] not in self.rows
            self.rows[row["_id"]] = row

    def insert_one(self, row, session=None):
        self.insert_many([row])

    def update_many(self, *args, **kwargs):
        pass

    name = "outbox"

    @property
    def database(self) -> dict:
        """The passes' keys documents beside them (common.outbox_store)."""
        return {"outbox_keys": self.__dict__.setdefault("_keys", type(self)())}


class FakeStore:
    def __init__(self) -> None:
        self.db = self.records = self.rejects = object()
        self.written: list = []
        self.chunks: dict = {}

    def claim_chunk(self, key, batch_id, counts, session):
        if key in self.chunks:
            raise ChunkDone(self.chunks[key])
        self.chunks[key] = counts


@pytest.fixture
def unit(monkeypatch):
    store, outbox = FakeStore(), Outbox(FakeCollection(), lambda t, b: sent.append(b))
    sent: list = []
    monkeypatch.setattr(handlers, "in_transaction", lambda db, work, races=0: work("session"))
    monkeypatch.setattr(handlers, "record_states", lambda records, keys, session: {})
    monkeypatch.setattr(handlers, "write_batch",
                        lambda s, writes, rejects, session: store.written.append(
                            (writes, rejects)))
    return partial(handlers.ingest_batch, store, outbox, PIPELINE), store, sent


def person(external_id: str, name: str = "王芳") -> dict:
    return {"source": "s", "external_id": external_id, "name": name}


def test_array_commits_records_rejects_and_events_once_and_publishes_after(unit):
    ingest, store, sent = unit
    entries = [handlers.Entry(person("a")), handlers.Entry({"name": "x"}, "b1", 2),
               handlers.Entry(person("a")), handlers.Entry(person("a", "李雷")),
               handlers.Entry("bad row", "b1", 4, unreadable=True)]
    results = ingest(entries, "import")
    assert [r["status"] for r in results] == ["created", "rejected", "unchanged", "updated",
                                              "rejected"]
    assert results[1]["reason"] == "missing_key" and results[4]["reason"] == "unreadable_row"
    ((writes, rejects),) = store.written
    assert len(writes) == 1 and writes[0].version == 2
    assert [r["row"] for r in rejects] == [2, 4]
    assert {r["reject_id"] for r in results if "reject_id" in r} == {str(r["_id"]) for r in rejects}
    assert [e["record_id"] for e in sent] == \
        ["s:a", "s:a"]
    assert import_counts(results) == {"received": 5, "accepted": 2, "rejected": 2,
                                      "unchanged": 1, "reasons": {"missing_key": 1,
                                                                  "unreadable_row": 1},
                                      "quality": {}}


def test_replay_keeps_no_new_reject(unit):
    ingest, store, _ = unit
    (result,) = ingest([handlers.Entry({"name": "x"})], "replay", replay=True)
    assert result == {"status": "rejected", "reason": "missing_key",
                      "errors": result["errors"]}
    assert store.written == [([], [])]


@pytest.mark.parametrize("corrections, settled", [
    ({"name": "王芳"}, "closed"), ({}, "noted")])
def test_a_replay_settles_its_reject_in_the_records_commit(unit, corrections, settled):
    """Closed (or its attempt noted) inside the unit of work that writes the record: a
    crash between two writes left an accepted record's reject open."""
    _, store, _ = unit
    fates = []
    store.close_reject = lambda rid, outcome, session, **kw: fates.append(
        ("closed", rid, session, kw["corrected"]))
    store.note_replay = lambda rid, result, session=None: fates.append(
        ("noted", rid, session, result["reason"]))
    sealed, _ = PIPELINE.seal_raw({"source": "s", "external_id": "r1"})
    service = SimpleNamespace(store=store, events=Outbox(FakeCollection(), lambda t, b: None),
                              pipeline=PIPELINE)
    result = replay._replay_one(service, {"_id": "rj", "raw": sealed, "reason": "x"},
                                corrections)
    (fate,) = fates
    assert fate[:3] == (settled, "rj", "session")
    assert fate[3] == (["name"] if corrections else result["reason"])
    assert len(store.written) == 1


def test_bookkeeping_runs_inside_the_commit_with_the_results(unit):
    ingest, _, _ = unit
    seen = []
    ingest([handlers.Entry(person("z"))], "import", extra=lambda res, s: seen.append((res, s)))
    assert seen[0][1] == "session" and seen[0][0][0]["status"] == "created"


def test_an_import_chunk_counts_its_batch_and_closes_answered_rejects_in_the_commit(unit):
    ingest, store, sent = unit
    counted, closed = [], []
    store.count_batch = lambda batch_id, inc, finished, session: counted.append(
        (batch_id, inc, finished, session))
    looked_up = []
    store.rejects = SimpleNamespace(
        find=lambda query, projection=None, session=None: looked_up.append(
            (query, session)) or [{"_id": "r-open", "status": "open"},
                                  {"_id": "r-done", "status": "resolved"}],
        update_many=lambda query, update, session=None: (
            closed.append((query, update["$set"]["resolved_by_batch"], session))
            or SimpleNamespace(modified_count=1)))
    counts = handlers.import_chunk(store, ingest.args[1], PIPELINE, "b7",
                                   [(2, person("a")), (3, "row 3: 2 cells, 5 expected")],
                                   True, {})
    assert (counts["accepted"], counts["rejected"]) == (1, 1)
    assert counts["reasons"] == {"unreadable_row": 1}
    ((batch_id, inc, finished, session),) = counted
    assert (batch_id, finished, session) == ("b7", True, "session")
    assert (inc["received"], inc["accepted"], inc["reasons.unreadable_row"]) == (2, 1, 1)
    # found by key alone (the status index would read every open reject), closed by id
    assert looked_up == [({"source": "s", "external_id": {"$in": ["a"]}}, "session")]
    assert closed == [({"_id": {"$in": ["r-open"]}, "status": "open"}, "b7", "session")]
    ((writes, rejects),) = store.written
    assert [r["row"] for r in rejects] == [3] and rejects[0]["batch_id"] == "b7"
    assert [e["record_id"] for e in sent] == ["s:a"]


@pytest.mark.parametrize("row", [None, 7, "text", [1], [1, {}, 2], {"a": 1}])
def test_an_import_row_that_is_not_a_pair_is_refused_by_name(unit, row):
    ingest, store, sent = unit
    with pytest.raises(ValueError, match="each row must be"):
        handlers.import_chunk(store, ingest.args[1], PIPELINE, "b8", [(1, person("a")), row],
                              False, {})
    assert store.written == [] and sent == []


def test_an_amqp_batch_keeps_its_refused_inputs_with_its_last_slice(unit, monkeypatch):
    """A slice failing after the refused inputs were kept would run the batch again and
    keep them twice: they have no key to be found by."""
    ingest, store, _ = unit
    kept = []
    monkeypatch.setattr(handlers, "insert_refused", lambda s, p, channel, refused, session:
                        kept.append((len(store.written), channel, session)) or
                        [{"_id": "r1"}])
    refused = [("unauthenticated", ["no user_id"], {"name": "x"}, Origin())]
    records = [(person("a"), Origin()), (person("b"), Origin()), (person("c"), Origin())]
    docs = handlers.intake_batch(store, ingest.args[1], PIPELINE, records, refused, 2)
    assert docs == [{"_id": "r1"}] and len(store.written) == 2
    assert kept == [(2, "amqp", "session")]  # inside the second (last) slice's commit
    kept.clear()
    handlers.intake_batch(store, ingest.args[1], PIPELINE, [], refused, 2)
    assert kept == [(2, "amqp", "session")]  # no record: a unit of work of their own


def test_an_import_chunk_run_again_answers_as_it_did_and_counts_nothing_twice(unit):
    """A worker that died after the commit and before the reply: the RPC runs again."""
    ingest, store, _ = unit
    counted = []
    store.count_batch = lambda batch_id, inc, finished=False, session=None: counted.append(
        (inc, finished))
    store.rejects = SimpleNamespace(find=lambda *a, **k: [], update_many=lambda *a, **k: None)
    rows = [(2, person("a")), (3, "row 3: 2 cells, 5 expected")]
    before = accepted_rows()
    first = handlers.import_chunk(store, ingest.args[1], PIPELINE, "b9", rows, True, {})
    counted_once = accepted_rows()
    again = handlers.import_chunk(store, ingest.args[1], PIPELINE, "b9", rows, True, {})
    assert again == first and (first["accepted"], first["rejected"]) == (1, 1)
    assert counted_once == before + 1 and accepted_rows() == counted_once  # rows once
    assert [finished for _, finished in counted] == [True, True]
    assert counted[1][0] == {}  # the repeat only finishes the batch (idempotent)
    assert list(store.chunks) == [chunk_key("b9", rows, {})]
    other = handlers.import_chunk(store, ingest.args[1], PIPELINE, "b10", rows, False, {})
    assert other == first and len(store.chunks) == 2  # another batch: its own chunk


def accepted_rows() -> float:
    return REGISTRY.get_sample_value("crm_ingestion_import_rows_total",
                                     {"outcome": "accepted"}) or 0.0


def test_a_chunk_key_names_the_batch_rows_and_answers():
    rows = [(1, {"name": "王芳", "odd": float("nan")}), (2, "\udcff bad row")]
    key = chunk_key("b1", rows, {})
    assert key.startswith("b1:") and key == chunk_key("b1", [list(r) for r in rows], {})
    assert key != chunk_key("b1", rows[:1], {}) != chunk_key("b1", rows, {"1": "r"})

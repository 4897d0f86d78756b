"""The FEBRL mapping (through ingestion's code) and the candidate-recall measures."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # services/dedup: bench.*

from bench.candidates import TracingMatcher, compared_recall, key_recall, true_pairs  # noqa: E402
from bench.febrl import entity_of, ingest, to_intake  # noqa: E402
from dedup.plugins.matchers import default_matchers  # noqa: E402

ROW = {"given_name": "isabelle", "surname": float("nan"), "street_number": "23",
       "address_1": "gundulu place", "address_2": "currin ga", "suburb": "utakarra",
       "postcode": "2193", "state": "wa", "date_of_birth": "19921119", "soc_sec_id": "4314184"}


def test_entity_is_the_id_prefix():
    assert entity_of("rec-12-org") == "rec-12"
    assert entity_of("rec-12-dup-3") == "rec-12"
    assert entity_of("rec-1-dup-0") != entity_of("rec-12-dup-0")


def test_row_maps_to_the_intake_contract():
    raw = to_intake("febrl3", "rec-7-org", ROW)
    assert raw["given_name"] == "isabelle" and raw["family_name"] is None  # NaN is missing
    assert raw["national_id"] == "4314184" and raw["national_id_type"] == "other"
    assert raw["address"]["line1"] == "23 gundulu place" and raw["address"]["country"] == "AU"


def test_rows_go_through_ingestion_normalizers_and_blind_indexes():
    same = dict(ROW, surname="green")
    typo = dict(same, soc_sec_id="4314185", date_of_birth="1992 11 19")
    a, b, c = ingest([("f", "rec-7-org", same), ("f", "rec-7-dup-0", same),
                      ("f", "rec-7-dup-1", typo)])
    assert a["record_id"] == "f:rec-7-org" and a["name"] == "isabelle green"
    assert a["birth_date"] == "1992-11-19" and a["postcode"] == "2193"
    assert a["national_id_bi"] and a["verified_national_id_bi"] is None  # not a CN id
    assert a["national_id_bi"] == b["national_id_bi"] != c["national_id_bi"]
    assert a["address_bi"] == b["address_bi"] and a["address_bi"] is not None
    assert "4314184" not in str(a)  # only blind indexes travel


def test_true_pairs_are_the_pairs_within_each_label():
    pairs = true_pairs({"a": 1, "b": 1, "c": 1, "d": 2, "e": 3, "f": 3})
    assert sorted(pairs) == [("a", "b"), ("a", "c"), ("b", "c"), ("e", "f")]


def _rec(rid, name, birth, postcode):
    return {"record_id": rid, "kind": "person", "name": name, "birth_date": birth,
            "postcode": postcode, "phone_bis": [], "email_bis": []}


def test_key_recall_and_compared_recall_count_pairs_blocking_lets_through():
    records = [_rec("x:1", "Mary Smith", "1980-01-02", "2000"),
               _rec("x:2", "Mary Smith", "1980-01-02", "3000"),     # shares name+date
               _rec("x:3", "Zoe Quint", "1970-05-06", "4000"),
               _rec("x:4", "Adam Brook", "1990-07-08", "5000")]     # same label, no key
    labels = {"x:1": "m", "x:2": "m", "x:3": "z", "x:4": "z"}
    assert key_recall(records, labels) == 0.5
    pool = TracingMatcher(default_matchers())
    for r in records:
        pool.add(r)
    assert frozenset(("x:1", "x:2")) in pool.compared
    assert compared_recall(pool, labels) == 0.5

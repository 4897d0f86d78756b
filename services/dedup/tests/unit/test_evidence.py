"""The evidence kept with reviews and automatic merges: masked, bounded, adding up."""
import json

from dedup.domain.batch import review_id
from dedup.domain.clusters import new_golden
from dedup.domain.evidence import MAX_CHARS, MAX_VALUES, masked_values, of_decision, why
from dedup.domain.review_view import evidence_rows, merge_history, review_view, side
from dedup.domain.scoring import decide, merged_params
from dedup.plugins.matchers import default_matchers

from dedup_records import rec

M = default_matchers()
P = merged_params({})


def _pair():
    """Same name and postcode, different phones, no birth date: a possible match."""
    a = rec("core:1", name="慕容复", birth_date=None, phone_bis=["p1"], city="深圳",
            postcode="518000", display={"name": "慕**", "phone": "156****0001"})
    b = rec("web:2", name="慕容复", birth_date=None, phone_bis=["p2"], city="深圳",
            postcode="518000", display={"name": "慕**", "phone": "156****0002"})
    return a, new_golden(b, "C-web2", P)


def test_a_possible_match_keeps_masked_values_weights_and_why():
    record, candidate = _pair()
    result = decide(record, candidate, M, P)
    assert result.decision == "possible"
    evidence, decision = of_decision(result, record, candidate, P)
    assert evidence["name"]["values"] == {"record": ["慕**"], "candidate": ["慕**"]}
    assert evidence["contact"]["values"] == {"record": ["156****0001"],
                                             "candidate": ["156****0002"]}
    assert evidence["address"]["values"]["record"] == ["深圳", "518***"]
    assert "慕容复" not in json.dumps(evidence, ensure_ascii=False)
    weights = sum(e["weight"] for e in evidence.values())
    assert abs(decision["total"] - (P["prior"] + weights)) < 0.05
    assert decision["thresholds"] == {"match": 0.85, "review": 0.65}
    assert decision["outcome"] == "possible" and decision["model"] == "hand-set"
    assert "between the review threshold 0.65 and the match threshold 0.85" in decision["why"]


def test_values_are_bounded_in_number_and_length():
    many = {"names": [chr(0x4e00 + i) + "王" * 60 for i in range(10)]}
    shown = masked_values("name", many)
    assert len(shown) == MAX_VALUES + 1 and shown[-1] == f"+{10 - MAX_VALUES} more"
    assert all(len(v) <= MAX_CHARS for v in shown)
    assert masked_values("birth_date", {"birth_date": "1985-03-07"}) == ["1985-**-**"]
    assert masked_values("exact_identifier", {"national_id_bi": "abcdef0123"}) == ["ID #abcd"]


def test_a_hard_rule_decides_without_weights():
    a, b = rec("a:1", national_id_bi="n1"), rec("b:2", national_id_bi="n1", name="李四")
    result = decide(a, b, M, P)
    _, decision = of_decision(result, a, b, P)
    assert decision["rule"] == "same_national_id" and decision["total"] == P["prior"]
    assert decision["why"] == "rule same_national_id"


def test_why_names_the_name_only_rule():
    text = why("possible", 0.9, {"match": 0.85, "review": 0.65}, "name_only")
    assert "a name alone never merges" in text


def test_why_names_the_household_member_rule():
    text = why("possible", 0.998, {"match": 0.99, "review": 0.5}, "household_member")
    assert "0.998" in text and "twin" in text and "a person decides" in text


def test_review_ids_have_no_shell_metacharacters_and_are_stable():
    rid = review_id("branch_cn:A-1 (x)", "C0123")
    assert rid == review_id("branch_cn:A-1 (x)", "C0123") != review_id("branch_cn:A-2", "C0123")
    assert rid.isalnum() and rid.startswith("RV")


def test_the_side_by_side_view_masks_unless_asked_and_rows_keep_weights():
    record, candidate = _pair()
    result = decide(record, candidate, M, P)
    evidence, decision = of_decision(result, record, candidate, P)
    doc = {**candidate, "_id": candidate["customer_id"], "active": True}
    review = {"_id": "RV1", "status": "open", "record_id": "core:1", "customer_id": "X",
              "candidate_id": doc["_id"], "score": result.score, "evidence": evidence,
              "decision": decision}
    view = review_view(review, None, doc)
    assert view["candidate"]["name"] == ["慕**"] and view["candidate"]["state"] == "active"
    assert view["customer"]["state"] == "gone"
    assert review_view(review, None, doc, unmasked=True)["candidate"]["name"] == ["慕容复"]
    rows = view["evidence"]
    assert [r["comparison"] for r in rows] == sorted(
        evidence, key=lambda n: -abs(evidence[n]["weight"]))
    assert rows[0]["record"] and isinstance(rows[0]["weight"], float)
    assert "between" in view["why"]


def test_a_side_is_masked_by_field_name():
    shown = side({"_id": "C1", "names": ["Zhang San"], "birth_dates": ["1985-03-07"],
                  "active": True})
    assert shown["name"] == ["Z*** S**"]
    assert shown["birth_date"] == ["1985-**-**"]


def test_merge_history_lists_merges_oldest_first():
    rows = [{"record_id": "b:2", "customer_id": "C1", "matched_id": "C1", "at": "2025-02",
             "evidence": {}, "decision": {"why": "rule same_national_id"}},
            {"record_id": "a:1", "customer_id": "C1", "matched_id": "C2", "at": "2025-01",
             "absorbed_ids": ["C2"], "evidence": {"name": {"similarity": 1.0, "weight": 6.0}},
             "decision": {}}]
    history = merge_history("C1", {"_id": "C1", "active": True, "merged_ids": ["C2"]}, rows)
    assert [m["record_id"] for m in history["merges"]] == ["a:1", "b:2"]
    assert history["merges"][0]["evidence"] == evidence_rows(rows[1]["evidence"])
    assert history["merges"][1]["why"] == "rule same_national_id"
    assert history["state"] == "active" and history["merged_ids"] == ["C2"]


def test_parameters_merged_once_are_used_as_they_are_and_partial_ones_merged():
    """A batch scores many pairs under one merged set: it is not merged again per pair,
    while a partial set (a caller's override) still gets the defaults under it."""
    from dedup.domain.scoring import as_merged
    assert as_merged(P) is P
    partial = as_merged({"match_threshold": 0.9})
    assert partial["match_threshold"] == 0.9 and partial["weights"] == P["weights"]
    assert as_merged(None) == P

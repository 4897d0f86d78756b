"""decide(): hard rules first, then the weighted evidence and thresholds."""
import hashlib
import hmac
import unicodedata

from dedup.domain.scoring import DEFAULT_PARAMS, MatchResult, decide, merged_params
from dedup.plugins.matchers import default_matchers

M = default_matchers()


def rec(**kw):
    base = {"kind": "person", "name": "张三", "birth_date": "1985-03-07",
            "national_id_bi": None, "phone_bis": [], "email_bis": [], "postcode": "100000",
            "address_bi": None}
    base.update(kw)
    return base


def _blind_index(raw_id: str) -> str:
    """What ingestion does: normalize (NFKC, no spaces, upper case), then HMAC."""
    normalized = "".join(unicodedata.normalize("NFKC", raw_id).split()).upper()
    return hmac.new(b"test-key", normalized.encode(), hashlib.sha256).hexdigest()


def test_same_national_id_formatted_differently_matches_whatever_else_differs():
    bi1 = _blind_index("11010119850307001x")
    bi2 = _blind_index("110101 19850307 001X")
    bi3 = _blind_index("１１０１０１１９８５０３０７００１Ｘ")  # full-width
    assert bi1 == bi2 == bi3
    r = decide(rec(national_id_bi=bi1, name="Zhang San", birth_date=None),
               rec(national_id_bi=bi2, name="张三丰", postcode="200000"), M)
    assert r.decision == "match" and r.rule == "same_national_id" and r.score == 1.0


def test_name_birth_date_and_phone_without_id_match():
    r = decide(rec(phone_bis=["p1"]), rec(name="Zhang San", phone_bis=["p1", "p2"]), M)
    assert r.decision == "match"
    assert r.evidence["exact_identifier"] is None
    assert r.evidence["name"] == 1.0 and r.evidence["birth_date"] == 1.0


def test_namesakes_with_different_birth_dates_do_not_match():
    r = decide(rec(birth_date="1985-03-07"), rec(birth_date="1971-11-20"), M)
    assert r.decision == "no_match" and r.rule == "different_birth_date"


def test_different_national_ids_do_not_match():
    r = decide(rec(national_id_bi="a", phone_bis=["p"]),
               rec(national_id_bi="b", phone_bis=["p"]), M)
    assert r.decision == "no_match" and r.rule == "different_national_id"


def test_id_conflict_can_be_configured_as_evidence():
    p = {"national_id_conflict": "evidence", "weights": {"exact_identifier": {"disagree": -4}}}
    r = decide(rec(national_id_bi="a", phone_bis=["p"], address_bi="x"),
               rec(national_id_bi="b", phone_bis=["p"], address_bi="x"), M, p)
    assert r.rule is None and r.decision == "match"


def test_swapped_day_month_with_same_phone_matches():
    r = decide(rec(birth_date="1985-03-07", phone_bis=["p"]),
               rec(birth_date="1985-07-03", phone_bis=["p"]), M)
    assert r.evidence["birth_date"] == 0.8
    assert r.decision == "match"


def test_persons_never_match_organizations():
    r = decide(rec(national_id_bi="a"), rec(national_id_bi="a", kind="organization"), M)
    assert r.decision == "no_match" and r.rule == "kind_mismatch"


def test_name_alone_is_at_most_possible():
    a, b = rec(birth_date=None, postcode=None), rec(birth_date=None, postcode=None)
    assert decide(a, b, M).decision == "possible"
    # Even when the weights alone would say "match", a name is not enough.
    r = decide(a, b, M, {"prior": 0.0})
    assert r.score >= 0.85 and r.decision == "possible" and r.rule == "name_only"


def test_household_member_sharing_phone_and_address_is_not_merged():
    r = decide(rec(name="王欣彬", birth_date="1961-09-27", phone_bis=["p"], address_bi="a"),
               rec(name="王谦会", birth_date="1961-09-27", phone_bis=["p"], address_bi="a"), M)
    assert r.decision != "match"


def test_different_names_same_birth_date_do_not_match():
    r = decide(rec(name="李康昊", birth_date="1977-09-21"),
               rec(name="李泰华", birth_date="1977-09-21"), M)
    assert r.decision == "no_match"


def test_result_shape_and_thresholds():
    r = decide(rec(phone_bis=["p"]), rec(phone_bis=["p"]), M)
    assert isinstance(r, MatchResult) and 0.0 <= r.score <= 1.0
    assert set(r.contributions) <= set(r.evidence)
    strict = decide(rec(phone_bis=["p"]), rec(phone_bis=["p"]), M,
                    {"match_threshold": 0.99999999, "possible_threshold": 0.5})
    assert strict.decision == "possible"


def test_merged_params_overlays_partial_weights():
    p = merged_params({"weights": {"name": {"agree": 3.0}}, "prior": -4})
    assert p["weights"]["name"]["agree"] == 3.0
    assert p["weights"]["name"]["disagree"] == DEFAULT_PARAMS["weights"]["name"]["disagree"]
    assert p["prior"] == -4 and DEFAULT_PARAMS["prior"] == -5.0



def test_verified_ids_that_differ_never_merge_even_under_the_evidence_policy():
    """Same name, birth date, phone and address, both CN ids verified at intake and
    different: two people (a bank must not merge them), whatever the weights say."""
    p = {"national_id_conflict": "evidence", "weights": {"exact_identifier": {"disagree": -4}}}
    a = rec(national_id_bi="a", verified_national_id_bi="a", phone_bis=["p"], address_bi="x")
    b = rec(national_id_bi="b", verified_national_id_bi="b", phone_bis=["p"], address_bi="x")
    r = decide(a, b, M, p)
    assert r.decision == "no_match" and r.rule == "different_national_id"
    golden = {**b, "verified_national_id_bis": ["b", "c"]}  # plural form on a golden
    assert decide(a, golden, M, p).rule == "different_national_id"
    one_unverified = rec(national_id_bi="b", phone_bis=["p"], address_bi="x")  # passport
    assert decide(a, one_unverified, M, p).decision == "match"

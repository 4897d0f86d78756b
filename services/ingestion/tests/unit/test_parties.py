"""Organisation, relations and credit at intake (issue 19): USCC checked with
python-stdnum, kept with a quality flag when wrong; targets reduced to party keys."""
from __future__ import annotations

from functools import partial

from cryptography.fernet import Fernet

from common.pii import Protector
from ingestion.domain.intake import Accepted, Rejected, accept
from ingestion.domain.parties import parse_share, valid_uscc
from ingestion.plugins.normalizers import BUILTIN_NORMALIZERS, normalize_record, validate_required
from ingestion.plugins.parties import PartiesNormalizer

GOOD = "91110108336615476G"
BAD = "91110108336615476A"          # wrong check character
NID = "110101199003071233"
PROTECTOR = Protector(Fernet.generate_key().decode(), "unit-test-blind-index-key")
NORMALIZE = partial(normalize_record, normalizers=[*BUILTIN_NORMALIZERS, PartiesNormalizer()])


def run(raw):
    return accept(raw, NORMALIZE, validate_required, PROTECTOR)


def org(**extra) -> dict:
    return {"source": "s", "external_id": "o-1", "kind": "organization", "name": "甲公司",
            "organization": {"uscc": GOOD, "legal_representative": "王小明", "industry": "制造"},
            **extra}


def test_uscc_check_character():
    assert valid_uscc(GOOD) == GOOD
    assert valid_uscc(" 9111 0108 3366 15476g") == GOOD
    assert valid_uscc(BAD) is None and valid_uscc("123") is None and valid_uscc(None) is None


def test_valid_uscc_travels_and_names_the_record():
    out = run(org())
    assert isinstance(out, Accepted) and not out.issues
    assert out.event["organization"] == {"uscc": GOOD, "industry": "制造",
                                         "legal_representative": "王**"}
    assert out.event["party_keys"] == ["rec:s:o-1", f"uscc:{GOOD}"]


def test_wrong_uscc_is_kept_aside_with_a_quality_flag():
    out = run(org(organization={"uscc": BAD}))
    assert isinstance(out, Accepted)
    assert out.issues == [{"field": "organization.uscc", "issue": "invalid_uscc", "raw": BAD}]
    assert out.event["organization"]["uscc"] is None
    assert out.stored["organization"]["uscc_raw"] == BAD
    assert out.event["party_keys"] == ["rec:s:o-1"]


def test_relation_targets_become_party_keys_without_raw_ids():
    out = run(org(relations=[
        {"type": "controls", "share": "60%", "target": {"source": "s2", "external_id": "x"}},
        {"type": "controlled_by", "target": {"uscc": GOOD.lower()}},
        {"type": "key_person", "target": {"national_id": NID}}]))
    keys = [r["target_key"] for r in out.event["relations"]]
    assert keys[:2] == ["rec:s2:x", f"uscc:{GOOD}"]
    assert keys[2] == "nid:" + PROTECTOR.blind_index("nid", NID)
    assert out.event["relations"][0]["share"] == 0.6
    assert NID not in str(out.event) and NID not in str({k: v for k, v in out.stored.items()
                                                          if k != "pii"})


def test_a_person_is_named_by_the_blind_index_of_the_national_id():
    out = run({"source": "s", "external_id": "p-1", "name": "王芳", "national_id": NID})
    assert "nid:" + PROTECTOR.blind_index("nid", NID) in out.event["party_keys"]


def test_share_and_credit_parsing():
    assert parse_share("60%") == 0.6 and parse_share(0.51) == 0.51 and parse_share("1") == 1.0
    assert parse_share("2") is None and parse_share("lots") is None and parse_share(None) is None
    out = run(org(credit={"limit": "1.2万", "outstanding": 8000, "as_of": "2026/09/30"},
                  relations=[{"type": "investor", "share": "much", "target": {"uscc": GOOD}}]))
    assert out.event["credit"] == {"limit": "12000.00", "outstanding": "8000.00",
                                   "as_of": "2026-09-30"}
    assert {"field": "relations[0].share", "issue": "invalid_share", "raw": "much"} in out.issues


def test_a_relation_without_a_target_breaks_the_contract():
    out = run(org(relations=[{"type": "controls", "target": {"source": "s2"}}]))
    assert isinstance(out, Rejected) and out.reason == "invalid_field"

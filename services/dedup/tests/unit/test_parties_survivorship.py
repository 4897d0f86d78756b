"""Organisation, credit, relations and party keys of a golden customer (issue 19): what
the groups service follows through customer.registered / updated / merged."""
from dedup.domain.clusters import build_golden
from dedup.domain.snapshot import public_view


def rec(rid: str, at: str, **extra) -> dict:
    return {"record_id": rid, "source": rid.split(":")[0], "external_id": rid.split(":")[1],
            "registered_at": at, "kind": "organization", "party_keys": [f"rec:{rid}"], **extra}


def test_merged_members_pool_keys_and_relations_and_keep_the_freshest_credit():
    a = rec("s:1", "2024-01-01", organization={"uscc": None, "industry": "制造"},
            credit={"limit": "100.00", "outstanding": "50.00", "as_of": "2026-06-30"},
            relations=[{"type": "controls", "share": 0.6, "target_key": "uscc:X"}])
    b = rec("t:9", "2025-01-01", organization={"uscc": "U1", "industry": "贸易"},
            credit={"limit": "300.00", "outstanding": "80.00", "as_of": "2026-09-30"},
            relations=[{"type": "controls", "share": 0.7, "target_key": "uscc:X"},
                       {"type": "key_person", "share": None, "target_key": "nid:ab"}],
            party_keys=["rec:t:9", "uscc:U1"])
    view = public_view(build_golden("C1", [b, a]), 2)
    assert view["organization"] == {"uscc": "U1", "industry": "制造", "legal_representative": None}
    assert view["credit"]["as_of"] == "2026-09-30" and view["credit"]["limit"] == "300.00"
    assert view["relations"] == [
        {"type": "controls", "share": 0.7, "target_key": "uscc:X"},
        {"type": "key_person", "share": None, "target_key": "nid:ab"}]
    assert view["party_keys"] == ["rec:s:1", "rec:t:9", "uscc:U1"]


def test_a_customer_without_party_data_has_none():
    view = public_view(build_golden("C2", [{"record_id": "s:2", "source": "s",
                                            "external_id": "2"}]), 1)
    assert view["organization"] is None and view["credit"] is None
    assert view["relations"] == [] and view["party_keys"] == []

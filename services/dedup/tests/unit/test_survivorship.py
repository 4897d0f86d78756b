"""Survivorship: order-independent owner, financials and identity choices."""
import itertools

from dedup.domain.survivorship import financials_of, identity_of, intent_of, owner_of

REGS = [
    {"registered_by": "late", "registered_at": "2024-05-01T09:00:00", "source": "walk_in",
     "external_id": "3"},
    {"registered_by": "first", "registered_at": "2023-01-02T08:00:00", "source": "referral",
     "external_id": "1"},
    {"registered_by": "undated", "registered_at": None, "source": "a", "external_id": "0"},
]


def test_owner_is_earliest_registration_not_arrival_order():
    for order in itertools.permutations(REGS):
        assert owner_of(order)["registered_by"] == "first"


def test_owner_without_dates_and_ties_are_deterministic():
    undated = [{"registered_by": "x", "source": "b", "external_id": "2"},
               {"registered_by": "y", "source": "a", "external_id": "9"}]
    assert owner_of(undated)["registered_by"] == "y"
    tie = [{"registered_by": "p", "registered_at": "2023-01-01T00:00:00", "source": "s",
            "external_id": "2"},
           {"registered_by": "q", "registered_at": "2023-01-01T00:00:00", "source": "s",
            "external_id": "1"}]
    assert owner_of(tie)["registered_by"] == owner_of(tie[::-1])["registered_by"] == "q"
    assert owner_of([]) == {}


def test_owner_compares_z_and_offset_alike():
    regs = [{"registered_by": "b", "registered_at": "2023-01-01T00:00:01+00:00"},
            {"registered_by": "a", "registered_at": "2023-01-01T00:00:00Z"}]
    assert owner_of(regs)["registered_by"] == "a"


def test_financials_most_recent_as_of_wins_missing_ranks_last():
    recs = [{"financials": {"assets": 1, "as_of": "2024-01-31"}},
            {"financials": {"assets": 2, "as_of": None}},
            {"financials": {"assets": 3, "as_of": "2024-03-31"}},
            {"financials": {}}]
    for order in itertools.permutations(recs):
        assert financials_of(order)["assets"] == 3
    assert financials_of([{"financials": {"assets": 2}}])["assets"] == 2
    assert financials_of([]) == {}


def test_identity_by_source_priority_then_completeness():
    recs = [
        {"record_id": "w:1", "source": "walk_in", "name": "Zhang San", "birth_date": "1985-03-07",
         "gender": "male", "branch": "BR2"},
        {"record_id": "c:1", "source": "core_banking", "name": "张三", "birth_date": None,
         "branch": "BR1"},
    ]
    params = {"source_priority": ["core_banking", "head_office"]}
    ident = identity_of(recs, params)
    assert ident["name"] == "张三" and ident["branch"] == "BR1"
    assert ident["birth_date"] == "1985-03-07"  # filled from the next-best member
    assert ident["gender"] == "male"
    # Without a priority the more complete record wins.
    assert identity_of(recs, {"source_priority": []})["name"] == "Zhang San"


def test_intent_latest_registration_with_intent():
    recs = [{"record_id": "a", "registered_at": "2023-01-01", "intent": {"class": "A"}},
            {"record_id": "b", "registered_at": "2024-01-01", "intent": {"class": "C"}},
            {"record_id": "c", "registered_at": "2025-01-01", "intent": {}}]
    assert intent_of(recs) == {"class": "C"}


def test_products_are_the_union_with_the_latest_holding_per_code_in_any_order():
    from dedup.domain.survivorship import products_of
    a = {"registered_at": "2023-01-01T00:00:00", "source": "core", "external_id": "1",
         "products": [{"code": "TD3M", "as_of": "2026-09-30", "balance": "100.00"},
                      {"code": "CARD", "as_of": "2026-09-30", "balance": None}]}
    b = {"registered_at": "2024-01-01T00:00:00", "source": "wm", "external_id": "2",
         "products": [{"code": "TD3M", "as_of": "2026-12-31", "balance": "250.00"},
                      {"code": "WM1", "as_of": "2026-12-31", "balance": "9.00"}]}
    for order in ([a, b], [b, a]):
        held = products_of(order)
        assert [p["code"] for p in held] == ["CARD", "TD3M", "WM1"]
        assert held[1]["balance"] == "250.00"
    assert products_of([{"source": "x"}]) == []


def test_consent_protects_the_customer_first():
    from dedup.domain.survivorship import consent_of
    yes = {"consent": {"marketing": True, "do_not_call": False}}
    no = {"consent": {"marketing": False, "do_not_call": True}}
    assert consent_of([yes, no]) == {"marketing": False, "do_not_call": True}
    assert consent_of([yes, {}]) == {"marketing": True, "do_not_call": False}
    assert consent_of([{}]) == {"marketing": None, "do_not_call": None}

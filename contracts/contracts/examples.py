"""One example message per channel of the AsyncAPI document (contracts.export).

Fixed values (ids, times), so the exported document does not change between runs;
contracts/tests/test_descriptions.py validates each against its JSON Schema and its
marshmallow schema, so an example cannot drift from the contract. Personal data is made up
and, in events, masked or blind-indexed as the services send it.
"""
from __future__ import annotations

from . import names

_ENVELOPE = {"occurred_at": "2026-12-01T09:30:00.120000+00:00",
             "schema_version": names.SCHEMA_VERSION,
             "correlation_id": "0b7c43a1-2f6e-4b4e-9a51-6a3f0f0c2d11"}
_DISPLAY = {"name": "王*", "phone": "138****8000", "email": "x***@example.com"}
_MONEY = {"avg_daily_assets": "250000.00", "has_relationship": True, "card_spend_12m": None,
          "loan_balance": None, "custody_margin": None, "card_level": "gold",
          "as_of": "2026-11-30"}
_PRODUCTS = [{"code": "TD3M", "as_of": "2026-11-30", "matures_on": "2027-02-28",
              "balance": "100000.00"},
             {"code": "CARD", "as_of": "2026-11-30", "matures_on": None, "balance": None}]
_CONSENT = {"marketing": True, "do_not_call": False}
_GOLDEN = {"customer_id": "C-5f0e2c9a", "kind": "person", "branch": "BJ01",
           "birth_date": "1985-06-01", "financials": _MONEY,
           "intent": {"willingness": None, "potential": None},
           "products": _PRODUCTS, "consent": _CONSENT,
           "owner": {"registered_by": "M001", "registered_at": "2025-03-01T09:30:00+08:00",
                     "source": "branch-crm", "external_id": "EX-1001"},
           "has_contact": True, "display": _DISPLAY, "member_count": 1, "revision": 1}
_BI = "bi1:9c1d3f6e5a7b2c4d"


def _event(event_id: str, **fields) -> dict:
    return {"event_id": event_id, **_ENVELOPE, **fields}


INTAKE: dict[str, dict] = {
    names.INTAKE_ROUTING_KEY: {
        "source": "branch-crm", "external_id": "EX-1001", "kind": "person", "name": "王小明",
        "birth_date": "1985-06-01", "national_id": "110101198506010016",
        "national_id_type": "cn_resident", "phones": ["+86 138 0013 8000"],
        "emails": ["Xiaoming.Wang@example.com"],
        "address": {"line1": "朝阳路 1 号", "city": "北京", "district": "朝阳区",
                    "province": "北京", "postcode": "100020", "country": "CN"},
        "branch": "BJ01", "registered_by": "M001", "registered_at": "2025-03-01T09:30:00+08:00",
        "financials": {"avg_daily_assets": "250,000.00", "has_relationship": "是",
                       "card_level": "gold", "as_of": "2026-11-30"},
        "consent": {"marketing": True, "do_not_call": False},
        "products": [{"code": "TD3M", "as_of": "2026-11-30", "matures_on": "2027-02-28",
                      "balance": "100,000"}, {"code": "CARD", "as_of": "2026-11-30"}],
        "credit": {"limit": "2,000,000", "outstanding": "1,200,000.00", "as_of": "2026-09-30"},
        "relations": [{"type": "controls", "share": 0.6,
                       "target": {"uscc": "91110000600037341L"}}]},
    names.INTAKE_ERASE_ROUTING_KEY: {
        "source": "branch-crm", "external_id": "EX-1001", "requested_by": "branch-crm:dpo",
        "reason": "customer request 2026-118"},
}
_GROUP = {"group_id": "G-3f9a1c2b7d4e", "members": ["C-5f0e2c9a", "C-8d21b7e4", "C-a17c3e90"],
          "lead_branch": "BJ01", "exposure": "1150000000.00", "limit": "1500000000.00",
          "share_of_limit": 0.7667}

EVENTS: dict[str, dict] = {
    names.CUSTOMER_INGESTED: _event(
        "7d3a1b52-7c1e-4f0e-8a55-3b3c1c0a9e01", record_id="branch-crm:EX-1001",
        source="branch-crm", external_id="EX-1001", kind="person", name="王小明",
        birth_date="1985-06-01", gender=None, national_id_bi=_BI,
        verified_national_id_bi=_BI, phone_bis=["bi1:41aa0c9e77d2b310"],
        email_bis=["bi1:0f3e9b2c5d6a7e81"], address_bi="bi1:5b8c2d1e0f9a3c47",
        street_bi="bi1:5b8c2d1e0f9a3c47",
        postcode="100020", city="北京", district="朝阳区", province="北京", branch="BJ01",
        registered_by="M001", registered_at="2025-03-01T09:30:00+08:00", financials=_MONEY,
        intent={"willingness": None, "potential": None}, products=_PRODUCTS, consent=_CONSENT,
        has_contact=True, display=_DISPLAY,
        quality=[]),
    names.CUSTOMER_REGISTERED: _event(
        "2c9f4e61-0b7d-4d3a-9f1e-5e2a7c3b8d02", customer=_GOLDEN,
        record_id="branch-crm:EX-1001"),
    names.CUSTOMER_UPDATED: _event(
        "5e8b2a73-1c4f-4e6b-8d2a-7f1c3e5a9b03", customer={**_GOLDEN, "revision": 2},
        record_id="branch-crm:EX-1001"),
    names.CUSTOMER_MERGED: _event(
        "9a1c5d84-2e6f-4a7b-9c3d-1b5e7f2a4c04",
        customer={**_GOLDEN, "member_count": 2, "revision": 3},
        record_id="online-bank:U-77", survivor_id="C-5f0e2c9a", absorbed_ids=["C-8d21b7e4"]),
    names.CUSTOMER_REVIEW_NEEDED: _event(
        "3b7d9e15-4f2a-4c8e-a1b6-2d8f4a6c0e05", review_id="RV3f2a9c0d1e2b4a5c", record_id="online-bank:U-78",
        candidate_id="C-5f0e2c9a", score=0.82, branch="BJ01"),
    names.TIER_CHANGED: _event(
        "6f2e8c26-5a3b-4d9f-b2c7-3e9a5b7d1f06", customer_id="C-5f0e2c9a", scheme="star",
        previous="3", current="4", direction="up",
        reason="avg_daily_assets 250000.00 >= 200000.00 (rule star-4)", rules_version="v7",
        branch="BJ01", merged_into=None, registered_by="M001", display=_DISPLAY),
    names.CUSTOMER_ASSIGNED: _event(
        "8c4a0f37-6b5c-4e1a-83d8-4f0b6c8e2a07", customer_id="C-5f0e2c9a", manager_id="M014",
        role="wealth", previous_manager_id="M003", reason="tier_changed", branch="BJ01",
        band="private", display=_DISPLAY),
    names.NOTIFICATION_SENT: _event(
        "1d5b7a48-7c6d-4f2b-94e9-5a1c7d9f3b08", notification_id="N-0f3a9c",
        source_event_id="8c4a0f37-6b5c-4e1a-83d8-4f0b6c8e2a07", recipient="M014",
        channel="email", status="sent", error=None),
    names.NOTIFICATION_FAILED: _event(
        "4e6c8b59-8d7e-4a3c-a5fa-6b2d8e0a4c09", notification_id="N-0f3a9d",
        source_event_id="8c4a0f37-6b5c-4e1a-83d8-4f0b6c8e2a07", recipient="M014",
        channel="webhook", status="failed", error="HTTP 503 after 5 attempts"),
    names.CUSTOMER_ERASURE_REQUESTED: _event(
        "0a2c4e6a-9e8f-4b4d-b60b-7c3e9f1b5d10", customer_id=None,
        record_id="branch-crm:EX-1001", requested_by="branch-crm:dpo",
        reason="customer request 2026-118"),
    names.CUSTOMER_ERASED: _event(
        "7b9d1f3b-0f9a-4c5e-87ac-8d4f0a2c6e11", customer_id="C-5f0e2c9a",
        absorbed_ids=["C-8d21b7e4"], record_ids=["branch-crm:EX-1001", "online-bank:U-77"],
        requested_by="branch-crm:dpo", reason="customer request 2026-118",
        erased_at="2026-12-01T09:31:02.500000+00:00"),
    names.OPERATOR_CHANGED: _event(
        "5c8e0a2c-1a0b-4d6f-98bd-9e5a1b3d7f12", operator="li.lei", broker_user="op-li.lei",
        role="officer", until="2027-06-30T23:59:59+00:00", revoked=False,
        version=1764581400120),
    names.CAMPAIGN_CREATED: _event(
        "6a8c0e2f-7f9b-4c1d-8e3f-a7b9c1d3e515", campaign_id="cmp-3c9e1f0a7b2d",
        title="12月二星电话营销", branch="BJ01", owner="BJ01-001", starts="2026-12-01",
        ends="2026-12-31", staff=["BJ01-007", "BJ01-008"], customers=120,
        criteria={"branch": "BJ01", "star": ["2"], "band": None, "intent": [],
                  "maturing_within": 31, "min_balance": None}),
    names.CALL_LOGGED: _event(
        "8c0e2a4b-9b1d-4e3f-a5b7-c9d1e3f5a716", call_id="call-5e7a9c1b3d5f7a9c",
        campaign_id="cmp-3c9e1f0a7b2d", customer_id="C-5f0e2c9a", staff_id="BJ01-007",
        branch="BJ01", date="2026-12-01", seconds=95, effective=True, outcome="interested",
        product="TD3M"),
    names.DAY_SIGNED_OFF: _event(
        "0e2a4c6d-bd3f-4a5b-97c9-e1f3a5b7c917", branch="BJ01", date="2026-12-01", calls=18,
        effective=12, quota=10, met=True, supervisor="BJ01-002", president="BJ01-001"),
    names.GROUP_CHANGED: _event(
        "2d4f6a8c-3b5d-4e7f-9a1b-c3d5e7f9a113", **_GROUP, change="joined",
        joined=["C-a17c3e90"], left=[], merged_from=[], split_from=None,
        previous_lead_branch="BJ01"),
    names.GROUP_LIMIT_WARNING: _event(
        "4f6a8c0e-5d7f-4a9b-8c1d-e5f7a9b1c314", **{**_GROUP, "exposure": "1250000000.00",
                                                    "share_of_limit": 0.8333},
        level="80%", threshold="1200000000.00", escalation=False),
}

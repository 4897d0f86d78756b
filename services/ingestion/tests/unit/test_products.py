"""Products and do-not-call at intake: typed once, carried to customer.ingested."""
from __future__ import annotations

from functools import partial

from cryptography.fernet import Fernet

from common.pii import Protector
from contracts.schemas import build_event
from contracts import names
from ingestion.domain.intake import Accepted, Rejected, accept
from ingestion.plugins.normalizers import BUILTIN_NORMALIZERS, normalize_record, validate_required

PROTECTOR = Protector(Fernet.generate_key().decode(), "unit-test-blind-index-key")
NORMALIZE = partial(normalize_record, normalizers=BUILTIN_NORMALIZERS)


def run(**extra):
    raw = {"source": "s", "external_id": "e-1", "name": "王芳",
           "financials": {"avg_daily_assets": "45万", "as_of": "2026/11/30"}, **extra}
    return accept(raw, NORMALIZE, validate_required, PROTECTOR)


def test_products_are_typed_and_take_the_records_as_of_when_they_have_none():
    result = run(products=[{"code": "td3m", "balance": "12.5万", "matures_on": "2027年2月28日"},
                           {"code": "CARD", "as_of": "2026-10-31"}])
    assert isinstance(result, Accepted)
    assert result.event["products"] == [
        {"code": "TD3M", "as_of": "2026-11-30", "matures_on": "2027-02-28",
         "balance": "125000.00"},
        {"code": "CARD", "as_of": "2026-10-31", "matures_on": None, "balance": None}]
    built = build_event(names.CUSTOMER_INGESTED, {**result.event})
    assert built["products"][0]["balance"] == "125000.00"


def test_a_bad_balance_or_date_is_a_quality_issue_not_a_reject():
    result = run(products=[{"code": "WM1", "balance": "lots", "matures_on": "someday"}])
    assert isinstance(result, Accepted)
    assert result.event["products"][0]["balance"] is None
    assert {(i["field"], i["issue"]) for i in result.issues} >= {
        ("products[0].balance", "not_a_number")}
    assert any(i["field"] == "products[0].matures_on" for i in result.issues)


def test_a_product_without_code_is_refused_by_the_contract():
    assert isinstance(run(products=[{"balance": "1"}]), Rejected)


def test_do_not_call_travels_with_marketing_consent():
    result = run(consent={"do_not_call": True})
    assert result.event["consent"] == {"marketing": None, "do_not_call": True}
    assert run().event["consent"] == {"marketing": None, "do_not_call": None}
    assert run().event["products"] == []

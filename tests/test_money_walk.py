"""avg_daily_assets and has_relationship walked from intake to tiering, in pure code.

Each hop is the service's own domain code, and each event crosses as JSON text through
the contract (build_event on one side, load_event on the other), as on the bus. A float
anywhere on the way fails here: contracts.values.money refuses one, and the figures
tiering records must be the exact decimal strings that were sent.
"""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from functools import partial

import pytest
from cryptography.fernet import Fernet

from common.pii import Protector
from contracts import names
from contracts.schemas import build_event, load_event
from contracts.values import money
from dedup.domain.clusters import build_golden
from dedup.domain.snapshot import changed_payload
from ingestion.domain.intake import Accepted, accept
from ingestion.plugins.normalizers import BUILTIN_NORMALIZERS, normalize_record, validate_required
from tiering.domain.snapshot import customer_of
from tiering.plugins.schemes import ServiceBandScheme, StarScheme

PROTECTOR = Protector(Fernet.generate_key().decode(), "money-walk-blind-index-key")
TODAY = date(2026, 11, 1)


def over_the_wire(event_type: str, payload: dict) -> dict:
    """Built by the publisher, sent as JSON text, loaded by the consumer."""
    return load_event(event_type, json.loads(json.dumps(build_event(event_type, payload))))


def to_tiering(financials: dict) -> dict:
    """One intake record through ingestion and dedup: the customer tiering receives."""
    raw = {"source": "core", "external_id": "e-1", "name": "王芳", "branch": "BJ001",
           "birth_date": "1980-05-01", "financials": financials}
    outcome = accept(raw, partial(normalize_record, normalizers=BUILTIN_NORMALIZERS),
                     validate_required, PROTECTOR)
    assert isinstance(outcome, Accepted), outcome
    ingested = over_the_wire(names.CUSTOMER_INGESTED, outcome.event)
    golden = build_golden("C1", [ingested])
    registered = over_the_wire(names.CUSTOMER_REGISTERED, changed_payload(golden, 1, "core:e-1"))
    return registered["customer"]


@pytest.mark.parametrize("sent, exact", [
    (1234567.89, "1234567.89"), ("1,234,567.89", "1234567.89"), ("123.456789万", "1234567.89"),
    (0.1 + 0.2, "0.30"), ("12.3万", "123000.00"),
    ("99999999999999.99", "99999999999999.99")])  # as a float it would be ...99.98
def test_an_amount_arrives_in_tiering_exactly(sent, exact):
    customer = to_tiering({"avg_daily_assets": sent, "has_relationship": "是"})
    assets = money(customer["financials"]["avg_daily_assets"])
    assert isinstance(assets, Decimal) and assets == Decimal(exact)
    decision = StarScheme().classify(customer, {}, TODAY)
    assert decision.figures == {"has_relationship": True, "avg_daily_assets": exact}
    kept = customer_of({**customer, "_id": "C1", "active": True})  # a recompute reads it back
    assert money(kept["financials"]["avg_daily_assets"]) == Decimal(exact)


def test_a_cent_below_a_threshold_stays_below():
    customer = to_tiering({"avg_daily_assets": 49999.99, "card_spend_12m": "4.999999万"})
    assert StarScheme().classify(customer, {}, TODAY).tier == "2"
    band = ServiceBandScheme().classify(customer, {}, TODAY)
    assert band.tier == "mass"  # 49999.99 assets and 49999.99 card spend: eligible by neither
    assert band.figures["card_spend_12m"] == "49999.99"


def test_a_missing_relationship_stays_missing_until_tiering_decides():
    customer = to_tiering({"avg_daily_assets": "60000"})
    assert customer["financials"].get("has_relationship") is None  # intake invented nothing
    decision = StarScheme().classify(customer, {}, TODAY)
    assert decision.tier == "3" and decision.figures["has_relationship"] is None
    nothing = to_tiering({"avg_daily_assets": "0"})
    assert StarScheme().classify(nothing, {}, TODAY).tier == "1"


def test_an_old_snapshot_with_a_json_number_is_read_exactly():
    """Snapshots kept before amounts travelled as strings hold numbers: read through the
    contract, they come back as the same exact amount."""
    row = {"_id": "C1", "active": True, "financials": {"avg_daily_assets": 1234567.89,
                                                       "has_relationship": True}}
    customer = customer_of(row)
    assert money(customer["financials"]["avg_daily_assets"]) == Decimal("1234567.89")
    with pytest.raises(TypeError):  # the raw row, bypassing the contract, is refused
        StarScheme().classify({**row, "customer_id": "C1"}, {}, TODAY)

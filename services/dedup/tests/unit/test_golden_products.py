"""The golden customer's products and consent reach customer.registered / merged."""
from __future__ import annotations

from contracts import names
from contracts.schemas import build_event
from dedup.domain.clusters import build_golden
from dedup.domain.snapshot import changed_payload, merged_payload


def member(record_id: str, products: list, consent: dict) -> dict:
    return {"record_id": record_id, "source": record_id.split(":")[0],
            "external_id": record_id.split(":")[1], "name": "x", "branch": "B1",
            "registered_at": "2026-01-01", "products": products, "consent": consent}


def test_registered_and_merged_events_carry_products_and_consent():
    a = member("core:1", [{"code": "TD3M", "as_of": "2026-09-30", "matures_on": "2026-12-31",
                           "balance": "1000.00"}], {"marketing": True, "do_not_call": None})
    b = member("card:2", [{"code": "CARD", "as_of": "2026-12-31", "matures_on": None,
                           "balance": None}], {"marketing": None, "do_not_call": True})
    registered = build_event(names.CUSTOMER_REGISTERED,
                             changed_payload(build_golden("C-1", [a]), 1, "core:1"))
    assert registered["customer"]["products"][0]["balance"] == "1000.00"
    assert registered["customer"]["consent"] == {"marketing": True, "do_not_call": None}
    merged = build_event(names.CUSTOMER_MERGED, merged_payload(
        build_golden("C-1", [a, b], merged_ids=["C-2"]), 2, "card:2", ["C-2"]))
    assert [p["code"] for p in merged["customer"]["products"]] == ["CARD", "TD3M"]
    assert merged["customer"]["consent"] == {"marketing": True, "do_not_call": True}

"""Money and flags are parsed once, by the contract, and money never becomes a float."""
from decimal import Decimal

import pytest
from marshmallow import ValidationError

from contracts import names
from contracts.schemas import Money, build_event, load_event
from contracts.values import format_amount, id_to_str, money, parse_amount, parse_flag


@pytest.mark.parametrize("raw, expected", [
    ("1,234,567.89", "1234567.89"), (1234567.89, "1234567.89"), ("¥12,000", "12000.00"),
    ("１２３.４５", "123.45"), ("45万", "450000.00"), (50000, "50000.00"),
    ("12.3万", "123000.00"),      # 12.3 * 10000.0 is 123000.00000000001 in floats
    (0.1, "0.10"), ("0.005", "0.01"), ("2.675", "2.68"),  # half-up to the fen
    (Decimal("49999.99"), "49999.99"), ("999999999999999.99", "999999999999999.99"),
])
def test_amounts_are_read_exactly_to_the_fen(raw, expected):
    amount, problem = parse_amount(raw)
    assert problem is None and amount == Decimal(expected) and format_amount(amount) == expected


@pytest.mark.parametrize("raw, problem", [
    ("abc", "not_a_number"), (True, "not_a_number"), (float("nan"), "not_a_number"),
    ("inf", "not_a_number"), (10 ** 400, "not_a_number"), ("1000000000000000", "not_a_number"),
    ("-5", "negative_amount"), (-0.01, "negative_amount"),
])
def test_what_is_no_amount_is_an_issue_code(raw, problem):
    assert parse_amount(raw) == (None, problem)


def test_sums_of_amounts_stay_exact():
    parts = [parse_amount(v)[0] for v in ("0.1", 0.2, "0.3万")]
    assert sum(parts) == Decimal("3000.30")
    assert money(format_amount(parts[0] + parts[1])) == Decimal("0.3")  # 0.1 + 0.2 in floats: 0.30000000000000004


def test_the_event_field_is_a_two_place_string_and_accepts_a_json_number():
    schema = Money()
    assert schema.load({"avg_daily_assets": 1234567.89})["avg_daily_assets"] == "1234567.89"
    assert schema.load({"avg_daily_assets": "300000"})["avg_daily_assets"] == "300000.00"
    assert schema.dump({"avg_daily_assets": Decimal("0.3")})["avg_daily_assets"] == "0.30"
    for loose in ("1,000", "12万", "1.234", "-1", "abc", True):
        with pytest.raises(ValidationError):
            schema.load({"avg_daily_assets": loose})
    with pytest.raises(ValidationError):  # events carry JSON booleans, not words
        schema.load({"has_relationship": "是"})


def test_money_reads_the_contract_form_and_refuses_a_float():
    assert money("1234567.89") == Decimal("1234567.89") and money(None) is None
    assert money(Decimal("0.30")) == Decimal("0.3") and money(300000) == Decimal(300000)
    for bad in (1234567.89, True, "1,234", "1.234", "NaN"):
        with pytest.raises(TypeError):
            money(bad)


def test_an_amount_crosses_events_exactly():
    """customer.registered built by one service and loaded by another: no float between."""
    event = build_event(names.CUSTOMER_REGISTERED, {"record_id": "s:1", "customer": {
        "customer_id": "C1", "financials": {"avg_daily_assets": "1234567.89",
                                            "loan_balance": 0.1 + 0.2}}})
    loaded = load_event(names.CUSTOMER_REGISTERED, event)["customer"]["financials"]
    assert event["customer"]["financials"]["avg_daily_assets"] == "1234567.89"
    assert money(loaded["avg_daily_assets"]) == Decimal("1234567.89")
    assert money(loaded["loan_balance"]) == Decimal("0.30")


@pytest.mark.parametrize("raw, expected", [
    ("是", True), ("否", False), ("有", True), ("无", False), ("没有", False), (1, True),
    (0, False), ("TRUE", True), (" no ", False), ("ｙｅｓ", True), ("on", True), (True, True),
    (False, False), ("maybe", None), (2, None), ("", None), (None, None),
])
def test_one_flag_parser(raw, expected):
    assert parse_flag(raw) is expected


@pytest.mark.parametrize("raw, expected", [
    (13812345678.0, "13812345678"), (100000, "100000"), ("0100", "0100"), (1.5, "1.5"),
    (True, "True"),
])
def test_identifier_cells_read_back_as_digit_strings(raw, expected):
    assert id_to_str(raw) == expected

"""Masking by field name (common.pii.mask_fields / mask_event): the first net.

Every personal field is masked by its name after its separators are removed, at any
depth; fields that hold no personal data are left exactly as they were.
"""
import pytest

from common.pii import PERSONAL_FIELDS, field_kind, mask_event, mask_fields

SPACED_ID, HYPHEN_ID = "110101 19900307 7715", "110101-19900307-7715"


@pytest.mark.parametrize("key, kind", [
    ("national_id", "national_id"), ("id_number", "national_id"), ("idNumber", "national_id"),
    ("ID-Number", "national_id"), ("passport", "national_id"), ("national_id_raw", "national_id"),
    ("phones", "phone"), ("mobile", "phone"), ("landline", "phone"), ("phones_invalid", "phone"),
    ("email", "email"), ("emails", "email"), ("name", "name"), ("family_name", "name"),
    ("address", "address"), ("line1", "address"), ("birth_date", "birth_date"),
    ("dateOfBirth", "birth_date"), ("bank_account", "account"), ("card_no", "account"),
    ("customer_id", None), ("branch", None), ("tier", None), ("national_id_bi", None),
    ("phone_bis", None), ("source", None), ("reason", None),
])
def test_field_names_map_to_one_kind_each(key, kind):
    assert field_kind(key) == kind


def test_the_vocabulary_names_every_kind_the_issue_lists():
    assert set(PERSONAL_FIELDS.values()) == {"national_id", "phone", "email", "name",
                                              "address", "birth_date", "account"}


@pytest.mark.parametrize("raw, masked", [
    (SPACED_ID, "1101**********7715"), (HYPHEN_ID, "1101**********7715"),
    ("110101.19900307.7715", "1101**********7715"), ("１１０１０１１９９００３０７７７１５", "1101**********7715"),
    ("E12345678", "E******78"), ("G1234567", "G*****67"),
])
def test_id_fields_are_masked_whatever_their_written_form(raw, masked):
    for key in ("national_id", "id_number", "passport"):
        assert mask_fields({key: raw}) == {key: masked}


@pytest.mark.parametrize("raw, masked", [
    ("010-6552 1234", "010****1234"), ("(0755) 8888-6666", "075****6666"),
    ("+86 10 6552 1234", "106****1234"), ("6552.1234", "****1234"),
    ("+86 138 1234 8000", "138****8000"), (13812348000, "138****8000"),
])
def test_phone_fields_are_masked_whatever_their_written_form(raw, masked):
    assert mask_fields({"phones": [raw], "landline": raw}) == {"phones": [masked], "landline": masked}


def test_nested_records_and_lists_are_masked_by_their_own_field_names():
    record = {"customer_id": "C1", "branch": "BJ01", "tier": "gold",
              "contacts": [{"phone": "010-6552 1234", "relation": "spouse"},
                           {"mobile": "138 1234 8000", "email": "zhang.san@example.com"}],
              "holder": {"name": "张三丰", "birth_date": "1990-03-07", "card_no": "6222 0212 3456 7890"},
              "address": {"line1": "建国路88号", "city": "北京"}}
    masked = mask_fields(record)
    assert masked == {"customer_id": "C1", "branch": "BJ01", "tier": "gold",
                      "contacts": [{"phone": "010****1234", "relation": "spouse"},
                                   {"mobile": "138****8000", "email": "z***@example.com"}],
                      "holder": {"name": "张**", "birth_date": "1990-**-**", "card_no": "****7890"},
                      "address": {"line1": "建***", "city": "北***"}}
    assert record["contacts"][0]["phone"] == "010-6552 1234"  # the input is not changed


def test_non_personal_fields_are_left_alone_even_when_they_look_like_numbers():
    record = {"customer_id": "C0123456789abcdef", "branch": "BJ01", "tier": "gold",
              "external_id": "PD-1", "avg_daily_assets": 320000.5, "member_count": 3,
              "has_contact": True, "national_id_bi": "a3f9" * 8, "registered_at": "2025-06-01T09:00:00"}
    assert mask_fields(record) == record
    assert mask_fields(record, text_keys=()) == record


def test_other_text_goes_through_the_pattern_net_unless_limited():
    record = {"note": "called 010-6552 1234", "external_id": "E12345678"}
    assert mask_fields(record) == {"note": "called 010****1234", "external_id": "E******78"}
    assert mask_fields(record, text_keys={"note"}) == {"note": "called 010****1234",
                                                       "external_id": "E12345678"}


def test_masking_twice_changes_nothing():
    display = {"name": "张*", "phone": "138****8000", "email": "z***@example.com"}
    assert mask_fields({"display": display}) == {"display": display}
    once = mask_fields({"national_id": HYPHEN_ID, "phones": ["(0755) 8888-6666"], "name": "Zhang San"})
    assert mask_fields(once) == once


def test_events_mask_personal_fields_except_what_the_pipeline_consumer_needs():
    ingested = {"record_id": "s:1", "name": "张三丰", "birth_date": "1990-03-07",
                "national_id_bi": "ab" * 16, "display": {"name": "张**", "phone": "138****8000"},
                "quality": [{"field": "national_id", "issue": "check_digit_failed"}]}
    assert mask_event("customer.ingested", ingested) == ingested  # dedup matches on them
    registered = {"customer": {"customer_id": "C1", "birth_date": "1990-03-07",
                               "display": {"name": "张**"}}, "record_id": "s:1"}
    assert mask_event("customer.registered", registered) == registered  # tiering's age rule
    leaked = {"customer_id": "C1", "name": "张三丰", "birth_date": "1990-03-07",
              "reason": "called 010-6552 1234", "display": {"phone": "+86 10 6552 1234"}}
    assert mask_event("tier.changed", leaked) == {
        "customer_id": "C1", "name": "张**", "birth_date": "1990-**-**",
        "reason": "called 010****1234", "display": {"phone": "106****1234"}}

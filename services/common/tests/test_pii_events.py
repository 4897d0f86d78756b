"""Events and the one vocabulary: what leaves in clear is exactly what the contracts
declare for their pipeline consumer (common.pii.PIPELINE_CLEAR), nothing else.

Every event body is masked by field name on publish (common.confirms). A contract field
named like personal data would be masked silently; this test makes adding one a
decision: into `display` (masked at the source) or into PIPELINE_CLEAR with its reason.
"""
from marshmallow import fields

from common.pii import PIPELINE_CLEAR, field_kind, mask_event
from contracts.schemas import EVENTS, build_event


def _personal_paths(schema, prefix: str = "") -> set[str]:
    found = set()
    for name, field in schema.fields.items():
        path = f"{prefix}{name}"
        if isinstance(field, fields.Nested):
            if name != "display":  # masked where it is made; masked again on publish
                found |= _personal_paths(field.schema, f"{path}.")
        elif field_kind(name):
            found.add(path)
    return found


def test_personal_contract_fields_outside_display_are_exactly_the_pipeline_clear_ones():
    declared = {event_type: _personal_paths(schema())
                for event_type, (_, schema) in EVENTS.items()}
    assert {t: p for t, p in declared.items() if p} == \
        {t: set(p) for t, p in PIPELINE_CLEAR.items()}


def test_a_contract_built_event_keeps_what_its_consumer_needs_and_masks_the_rest():
    registered = build_event("customer.registered", {"record_id": "s:1", "customer": {
        "customer_id": "C1", "birth_date": "1962-05-01",
        "display": {"name": "张三丰", "phone": "+86 10 6552 1234"}}})
    masked = mask_event("customer.registered", registered)
    assert masked["customer"]["birth_date"] == "1962-05-01"  # tiering's age rule
    assert masked["customer"]["display"] == {"name": "张**", "phone": "106****1234"}
    assert {k: v for k, v in masked.items() if k != "customer"} == \
        {k: v for k, v in registered.items() if k != "customer"}

"""contracts.fastpath against marshmallow itself (pure): whenever the fast path answers,
marshmallow answers the same; the documented example of every event takes it; anything
else it leaves to marshmallow, whose errors reach the caller unchanged."""
from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings, strategies as st
from marshmallow import ValidationError

from contracts import examples, names
from contracts.fastpath import fast_dump, fast_load
from contracts.schemas import EVENTS, build_event, event_schema, load_event

TYPES = sorted(examples.EVENTS)
ENVELOPE = ("event_id", "occurred_at", "correlation_id")

leaves = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
          | st.text(max_size=6) | st.binary(max_size=3) | st.sampled_from(
              ["up", "new", "removed", "2026-12-01", "12.50", "1,234.5", "person", "true"]))
values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=6)


def marshmallow_load(schema, body):
    try:
        return "ok", schema.load(body)
    except ValidationError as exc:
        return "error", exc.messages


def marshmallow_dump(schema, obj):
    try:
        return "ok", schema.dump(obj)
    except (ValidationError, TypeError, ValueError, AttributeError) as exc:
        return "error", repr(exc)


def test_every_event_type_has_an_example():
    assert set(TYPES) == set(EVENTS)


@pytest.mark.parametrize("event_type", TYPES)
def test_every_example_takes_the_fast_path_with_marshmallows_result(event_type):
    schema, body = event_schema(event_type), examples.EVENTS[event_type]
    loaded = fast_load(schema, body)
    assert loaded is not None and loaded == schema.load(body)
    dumped = fast_dump(schema, loaded)
    assert dumped is not None and dumped == schema.dump(loaded)
    payload = {k: v for k, v in body.items() if k not in ENVELOPE}
    built = build_event(event_type, payload)
    assert {k: v for k, v in built.items() if k not in ENVELOPE} == \
        {k: v for k, v in schema.dump(schema.load(body)).items() if k not in ENVELOPE}


def _mutate(value, draw):
    """One change somewhere in `value`: a key dropped, added or given another value, or
    an element of a list replaced."""
    if isinstance(value, dict) and value and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(value)))
        if isinstance(value[key], (dict, list)) and draw(st.booleans()):
            return {**value, key: _mutate(value[key], draw)}
    if isinstance(value, dict):
        keys = sorted(value) + ["unknown_field"]
        key = draw(st.sampled_from(keys))
        if key in value and draw(st.booleans()):
            return {k: v for k, v in value.items() if k != key}
        return {**value, key: draw(values)}
    if isinstance(value, list) and value:
        i = draw(st.integers(0, len(value) - 1))
        return value[:i] + [draw(values)] + value[i + 1:]
    return draw(values)


@settings(max_examples=800, deadline=None)
@given(st.sampled_from(TYPES), st.data())
def test_a_mutated_body_loads_as_marshmallow_loads_it(event_type, data):
    schema = event_schema(event_type)
    body = copy.deepcopy(examples.EVENTS[event_type])
    for _ in range(data.draw(st.integers(1, 3))):
        body = _mutate(body, data.draw)
    fast = fast_load(schema, body)
    if fast is not None:
        assert marshmallow_load(schema, body) == ("ok", fast)
    assert _outcome(load_event, event_type, body) == marshmallow_load(schema, body)


@settings(max_examples=800, deadline=None)
@given(st.sampled_from(TYPES), st.data())
def test_a_mutated_object_dumps_as_marshmallow_dumps_it(event_type, data):
    schema = event_schema(event_type)
    obj = schema.load(examples.EVENTS[event_type])
    for _ in range(data.draw(st.integers(1, 3))):
        obj = _mutate(obj, data.draw)
    fast = fast_dump(schema, obj)
    if fast is not None:
        assert marshmallow_dump(schema, obj) == ("ok", fast)


def _outcome(load, event_type, body):
    try:
        return "ok", load(event_type, body)
    except ValidationError as exc:
        return "error", exc.messages


@pytest.mark.parametrize("change", [
    {"direction": "sideways"},          # a validator
    {"customer_id": 7},                 # a wrong type
    {"customer_id": None},              # None where it is not allowed
])
def test_a_broken_body_is_left_to_marshmallow_and_its_error_reaches_the_caller(change):
    body = {**examples.EVENTS[names.TIER_CHANGED], **change}
    assert fast_load(event_schema(names.TIER_CHANGED), body) is None
    with pytest.raises(ValidationError) as raised:
        load_event(names.TIER_CHANGED, body)
    assert set(raised.value.messages) == set(change)


def test_a_missing_required_field_is_left_to_marshmallow():
    body = {k: v for k, v in examples.EVENTS[names.TIER_CHANGED].items() if k != "scheme"}
    assert fast_load(event_schema(names.TIER_CHANGED), body) is None
    with pytest.raises(ValidationError, match="scheme"):
        load_event(names.TIER_CHANGED, body)


def test_an_unknown_field_is_dropped_as_marshmallow_drops_it():
    """Events exclude unknown fields (a newer producer may add some)."""
    schema = event_schema(names.TIER_CHANGED)
    body = {**examples.EVENTS[names.TIER_CHANGED], "surprise": 1}
    loaded = fast_load(schema, body)
    assert loaded is not None and "surprise" not in loaded and loaded == schema.load(body)

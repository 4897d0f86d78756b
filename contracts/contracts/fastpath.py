"""A fast path through the event schemas for bodies that are plainly valid.

marshmallow costs about 100-300 microseconds to load one event body and as much again
to dump one (a getter, an error store and generic dispatch per field). The pipeline
loads every event it receives (about 21 deliveries per customer) and builds every
event it stages, so that came to several milliseconds of CPU per customer, a tenth of
all the services' work. The fast path walks a plan compiled once per schema and
handles only what it fully understands:

- schemas with no hooks (pre/post load or dump, `validates`, `validates_schema`);
- `String`, `Boolean` and untyped (`Raw`) fields, `Nested` schemas and `List`s of
  those, with their `required`, `allow_none`, `load_default` and validators; any other
  field goes through its own `deserialize` / `serialize`, as marshmallow calls it.

Any value it does not take as plainly valid (a wrong type, a missing required field, an
unknown key under RAISE, a failed validator) makes it give up (`None`), and the caller
runs marshmallow itself, which then gives the same result or its error messages. The
property "whenever the fast path answers, marshmallow answers the same" is checked by a
differential test over every event schema (contracts/tests/test_fastpath.py).
"""
from __future__ import annotations

from typing import Any, Callable

from marshmallow import EXCLUDE, INCLUDE, Schema, fields
from marshmallow.utils import missing


class _GiveUp(Exception):
    """The body is not plainly valid: marshmallow decides."""


_PLANS: dict[tuple[int, str], Any] = {}


def fast_load(schema: Schema, data: Any) -> dict | None:
    """`schema.load(data)` for a plainly valid body, or None (then call marshmallow)."""
    return _attempt(schema, "load", data, schema.unknown)


def fast_dump(schema: Schema, obj: dict) -> dict | None:
    """`schema.dump(obj)` for a dict of plain values, or None (then call marshmallow)."""
    return _attempt(schema, "dump", obj)


def _attempt(schema: Schema, way: str, *args: Any) -> dict | None:
    plan = _plan(schema, way)
    if plan is None:
        return None
    try:
        return plan(*args)
    except Exception:  # noqa: BLE001 - _GiveUp, or a field's error: marshmallow decides
        return None


def _plan(schema: Schema, way: str) -> Callable | None:
    key = (id(schema), way)
    if key not in _PLANS:  # the schema is kept with its plan, so its id stays its own
        _PLANS[key] = (schema, None)  # a schema nesting itself is left to marshmallow
        _PLANS[key] = (schema, _compile_load(schema) if way == "load" else
                       _compile_dump(schema))
    return _PLANS[key][1]


def _hooked(schema: Schema) -> bool:
    return any(schema._hooks.get(name) for name in (
        "pre_load", "post_load", "pre_dump", "post_dump", "validates", "validates_schema"))


# -- load ---------------------------------------------------------------------------------
def _compile_load(schema: Schema) -> Callable | None:
    if _hooked(schema):
        return None
    steps = []
    for name, field in schema.load_fields.items():
        convert = _load_value(field)
        out_key = field.attribute or name
        if convert is None or "." in out_key:
            return None
        steps.append((_key(field, name), out_key, field, convert))
    known = {in_key for in_key, _, _, _ in steps}

    def load(data: Any, unknown: str) -> dict:
        if type(data) is not dict:
            raise _GiveUp
        out = {}
        for in_key, out_key, field, convert in steps:
            value = data.get(in_key, missing)
            if value is missing:
                if field.required:
                    raise _GiveUp
                default = field.load_default
                if default is not missing:
                    out[out_key] = default() if callable(default) else default
                continue
            out[out_key] = _checked(field, value, convert)
        if unknown != EXCLUDE:
            extra = data.keys() - known
            if extra and unknown != INCLUDE:
                raise _GiveUp
            out.update((k, data[k]) for k in extra)
        return out
    return load


def _key(field: fields.Field, name: str) -> str:
    return field.data_key if field.data_key is not None else name


def _checked(field: fields.Field, value: Any, convert: Callable) -> Any:
    """One present value, as `Field.deserialize` takes it: None where allowed (no
    validators then), otherwise converted and validated."""
    if value is None:
        if not field.allow_none:
            raise _GiveUp
        return None
    output = convert(value)
    if field.validators:
        field._validate(output)
    return output


_CONTEXTUAL = (fields.Method, fields.Function, fields.Pluck)  # need the whole body


def _load_value(field: fields.Field) -> Callable | None:
    """The conversion of one present, non-None value, or None: not compilable."""
    kind = type(field)
    if kind is fields.String:
        return _text
    if kind is fields.Boolean:
        return _boolean
    if isinstance(field, _CONTEXTUAL):
        return None
    if kind is fields.Nested:
        if field.many or field.unknown is not None or field.only or field.exclude:
            return None
        nested = _plan(field.schema, "load")
        return None if nested is None else (lambda value: nested(value, field.schema.unknown))
    if kind is fields.List:
        inner = _load_value(field.inner)
        if inner is None:
            return None

        return lambda value: [_checked(field.inner, v, inner) for v in _list(value)]
    if isinstance(field, (fields.Nested, fields.List)):
        return None
    return lambda value: field._deserialize(value, None, None)  # the field's own conversion


def _exactly(kind: type) -> Callable[[Any], Any]:
    """A value of exactly `kind` as it is (marshmallow would coerce a subclass or a
    look-alike, such as bytes for text or "true" for a flag: left to it)."""
    def check(value: Any) -> Any:
        if type(value) is not kind:
            raise _GiveUp
        return value
    return check


_text, _boolean, _list = _exactly(str), _exactly(bool), _exactly(list)


# -- dump ---------------------------------------------------------------------------------
def _compile_dump(schema: Schema) -> Callable | None:
    if _hooked(schema):
        return None
    steps = []
    for name, field in schema.dump_fields.items():
        convert = _dump_value(field)
        in_key = field.attribute or name
        if convert is None or "." in in_key or field.dump_default is not missing:
            return None
        steps.append((in_key, _key(field, name), convert))

    def dump(obj: Any) -> dict:
        if type(obj) is not dict:
            raise _GiveUp
        out = {}
        for in_key, out_key, convert in steps:
            value = obj.get(in_key, missing)
            if value is not missing:
                out[out_key] = None if value is None else convert(value)
        return out
    return dump


def _dump_value(field: fields.Field) -> Callable | None:
    """How one non-None value is dumped, or None: not compilable (a field whose
    `_serialize` does not give None for None, or needs the whole object)."""
    kind = type(field)
    if kind is fields.String:
        return _text
    if kind is fields.Boolean:
        return _boolean
    if isinstance(field, fields.Raw) and kind._serialize is fields.Raw._serialize:
        return _same
    if kind is fields.Nested and not field.many and not field.only and not field.exclude:
        return _plan(field.schema, "dump")
    if kind is fields.List:
        inner = _dump_value(field.inner)
        if inner is None:
            return None
        return lambda value: [None if v is None else inner(v) for v in _list(value)]
    if isinstance(field, (_CONTEXTUAL, fields.Nested, fields.List, fields.Constant)) \
            or field._serialize(None, None, None) is not None:
        return None
    return lambda value: field._serialize(value, None, None)  # the field's own form


def _same(value: Any) -> Any:
    return value

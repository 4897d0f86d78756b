"""RPC entrypoints that refuse bad arguments clearly instead of tripping over them.

The crm command and other teams call these over AMQP with whatever they send; a
wrong type or an unknown id must come back as a ValueError naming the argument,
not as a TypeError from deep inside pymongo. Arguments are checked against the
method's type hints before it runs.
"""
from __future__ import annotations

import functools
import inspect
import types
import typing
from typing import Any, Callable

from bson.errors import InvalidId
from nameko.rpc import rpc as nameko_rpc

MAX_INT = 2 ** 63 - 1


def conforms(value: Any, hint: Any) -> bool:
    """Does a JSON-decoded value fit a (simple) type hint?"""
    if hint in (Any, inspect.Parameter.empty):
        return True
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(conforms(value, arg) for arg in args)
    if hint is type(None):
        return value is None
    base = origin or hint
    if base is bool:
        return isinstance(value, bool)
    if base in (int, float):
        numeric = (int,) if base is int else (int, float)
        return isinstance(value, numeric) and not isinstance(value, bool) and abs(value) <= MAX_INT
    if not isinstance(base, type):
        return True  # a hint this check does not understand: let the method decide
    if not isinstance(value, base):
        return False
    if base is list and args:
        return all(conforms(item, args[0]) for item in value)
    return True


def checked(method: Callable) -> Callable:
    signature = inspect.signature(method)
    try:
        hints = typing.get_type_hints(method)
    except Exception:  # hints that cannot be resolved are simply not checked
        hints = {}

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            bound = signature.bind(self, *args, **kwargs)
        except TypeError as exc:
            raise ValueError(f"{method.__name__}: {exc}") from None
        for name, value in list(bound.arguments.items())[1:]:
            if name in hints and not conforms(value, hints[name]):
                raise ValueError(f"{method.__name__}: argument {name!r} must be "
                                 f"{_describe(hints[name])}, got {type(value).__name__}")
        try:
            return method(self, *args, **kwargs)
        except (InvalidId, OverflowError) as exc:
            raise ValueError(f"{method.__name__}: {exc}") from None
    return wrapper


def _describe(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


ROLES = ("viewer", "officer", "admin")
"""Each role may do what the one before it may (docs/access-control.md)."""


def rpc(method: Callable | None = None, *, role: str = "admin", personal: bool = False,
        **kwargs) -> Callable:
    """nameko's @rpc with argument checking and an access declaration: the least role
    that may call it (an RPC that names none is for admins only) and whether its answer
    holds personal data (masked for viewers, always audited)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if method is None:
        return functools.partial(rpc, role=role, personal=personal, **kwargs)
    wrapped = checked(method)
    wrapped.access = (role, personal)
    return nameko_rpc(wrapped, **kwargs)

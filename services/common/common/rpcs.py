"""RPC entrypoints that refuse bad arguments clearly instead of tripping over them.

The crm command and other teams call these over AMQP with whatever they send; a
wrong type or an unknown id must come back as a ValueError naming the argument,
not as a TypeError from deep inside pymongo. Arguments are checked against the
method's type hints before it runs.

Every RPC also names the least role that may call it (`@rpc(role=...)`, admin when it
names none) and whether its answer holds personal data (`personal=True`): the caller
is admitted through the service's gate (common/gate.py) before the method runs, a
viewer gets personal fields masked, and the request is audited by the service.
"""
from __future__ import annotations

import functools
import inspect
import types
import typing
from typing import Any, Callable

from bson.errors import InvalidId
from .gate import identified_rpc
from .operators import ROLES
from .pii import mask_fields

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
    """`method` with its arguments checked against its type hints first."""
    return guarded(method, None, False)


def guarded(method: Callable, role: str | None, personal: bool) -> Callable:
    """`method` with its arguments checked and, when `role` is given, the caller
    admitted through the service's gate (`self.door`) and the request audited."""
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
        arguments = dict(list(bound.arguments.items())[1:])
        for name, value in arguments.items():
            if name in hints and not conforms(value, hints[name]):
                raise ValueError(f"{method.__name__}: argument {name!r} must be "
                                 f"{_describe(hints[name])}, got {type(value).__name__}")
        if role is None:
            return _run(method, self, args, kwargs)
        door = self.door
        grant = door.admit(role, arguments)
        row = door.record(arguments) if personal or role != "viewer" else None
        try:
            result = _run(method, self, args, kwargs)
        except Exception:
            if row is None:
                door.record(arguments, "failed")
            else:
                door.finished(row, "failed")
            raise
        if personal and grant.role == "viewer":
            result = mask_fields(result)
        if row is not None:
            door.finished(row)
        return result
    return wrapper


def _run(method: Callable, service: Any, args: tuple, kwargs: dict) -> Any:
    try:
        return method(service, *args, **kwargs)
    except (InvalidId, OverflowError) as exc:
        raise ValueError(f"{method.__name__}: {exc}") from None


def _describe(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


def rpc(method: Callable | None = None, *, role: str = "admin", personal: bool = False,
        **kwargs) -> Callable:
    """nameko's @rpc with argument checking and an access declaration: the least role
    that may call it (an RPC that names none is for admins only) and whether its answer
    holds personal data (masked for viewers, always audited)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if method is None:
        return functools.partial(rpc, role=role, personal=personal, **kwargs)
    wrapped = guarded(method, role, personal)
    wrapped.access = (role, personal)
    return identified_rpc(wrapped, **kwargs)

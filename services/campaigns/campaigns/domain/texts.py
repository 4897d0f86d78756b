"""Text an operator sends over RPC, checked before it reaches the database (pure).

An unpaired surrogate cannot be stored (BSON is UTF-8) and a page-long id is a mistake;
both are refused as a ValueError naming the argument, never an encoder's crash."""
from __future__ import annotations

from typing import Iterable

ID_LENGTH = 128
NOTE_LENGTH = 2000


def text(value: str | None, what: str, limit: int = ID_LENGTH) -> str | None:
    """`value` unchanged when it can be stored (None stays None)."""
    if value is None:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{what}: text contains an unpaired surrogate") from None
    if len(value) > limit:
        raise ValueError(f"{what}: longer than {limit} characters")
    return value


def texts(values: Iterable[str] | None, what: str) -> list[str] | None:
    return None if values is None else [text(v, what) for v in values]

"""Dedup's ports: what the domain needs from a plugin, declared by the domain.

The domain scores through :class:`Matcher` objects it is handed (the service loads
them from the ``crm.matchers`` entry points in ``dependencies.py``); the built-in
implementations live in :mod:`dedup.plugins.matchers` and import this module, never
the other way round.
"""
from __future__ import annotations

from typing import Any, Mapping, Protocol, runtime_checkable

Customer = Mapping[str, Any]


@runtime_checkable
class Matcher(Protocol):
    """The plugin interface: a name (its weights in the scoring params) and a
    pairwise score."""

    name: str

    def score(self, a: Customer, b: Customer) -> float | None:
        """Similarity of one aspect in [0, 1], or None when not comparable."""
        ...


def values(record: Customer, field: str) -> list[str]:
    """All non-empty values of ``field`` on a record or a golden customer.

    Both shapes cross the port (a normalized record holds ``name``,
    ``national_id_bi``; a golden holds ``names``, ``national_id_bis``), so the
    domain and every matcher read them the same way. Accepts the single form, the
    plural form and list fields already plural (``phone_bis``).
    """
    out: list[str] = []
    singular = field[:-1] if field.endswith("s") else field
    plural = field if field.endswith("s") else field + "s"
    for key in (singular, plural):
        raw = record.get(key)
        if isinstance(raw, str):
            if raw:
                out.append(raw)
        elif isinstance(raw, (list, tuple, set, frozenset)):
            out.extend(v for v in raw if isinstance(v, str) and v)
    return list(dict.fromkeys(out))

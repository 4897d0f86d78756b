"""Operator repairs of rejected records: corrections applied before a replay.

A reject keeps the raw input (encrypted) so the list owner can correct it and
resubmit (domain §1). Corrections are dotted paths to new values; they are
applied to a copy of the raw record, never to the stored original, so a wrong
correction can be redone. Pure: no I/O.
"""
from __future__ import annotations

import copy
import re
from typing import Any

LIST_FIELDS = frozenset({"phones", "emails"})
_QUOTED = re.compile(r"'([^']+)'")


class CorrectionError(ValueError):
    """A correction that cannot be applied (bad path, raw input not an object)."""


def apply_corrections(raw: Any, corrections: dict[str, Any] | None) -> Any:
    """A corrected copy of ``raw``: each path set to its value, or removed for None.

    A string given for a list field (phones, emails) becomes a one-item list, so
    ``--set phones=13812348000`` does what an operator means.
    """
    if not corrections:
        return raw
    if not isinstance(raw, dict):
        raise CorrectionError("only a record that is a JSON object can be corrected")
    fixed = copy.deepcopy(raw)
    for path, value in corrections.items():
        parts = str(path).split(".")
        if not all(parts) or any(p.startswith("$") for p in parts):
            raise CorrectionError(f"invalid field path {path!r}")
        target = fixed
        for part in parts[:-1]:
            child = target.get(part)
            if not isinstance(child, dict):
                child = target[part] = {}
            target = child
        if value is None:
            target.pop(parts[-1], None)
        else:
            target[parts[-1]] = [value] if path in LIST_FIELDS and isinstance(value, str) else value
    return fixed


def field_errors(errors: list[str]) -> dict[str, list[str]]:
    """Group error messages by the field they name ('_record' when none), for HTTP 400s."""
    grouped: dict[str, list[str]] = {}
    for message in errors:
        quoted = _QUOTED.search(message)
        if quoted:
            name = quoted.group(1)
        elif ": " in message and " " not in message.split(": ", 1)[0]:
            name = message.split(": ", 1)[0]
        else:
            name = "_record"
        grouped.setdefault(name, []).append(message)
    return grouped

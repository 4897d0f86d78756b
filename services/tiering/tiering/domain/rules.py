"""The rules document: scheme parameters, per-branch overrides and their version.

Domain §3 lets every branch set its own thresholds, so parameters are data, not
code. The document (normally ``rules.yaml``, loaded elsewhere) looks like::

    {"version": "2026-11-01",
     "schemes": {"star": {...}, "service_band": {...}, "intent": {...}},
     "branches": {"BJ001": {"star": {"thresholds": {"3": 40000}}}}}

A branch override is deep-merged over the scheme defaults: nested mappings merge
key by key, anything else (numbers, strings, lists) replaces the default whole.

Every decision records ``rules_version`` = document version + a short hash of
the *effective* parameters, so two branches with different thresholds get
different versions even under the same document version, and editing one
threshold changes the version of exactly the decisions it affects.
"""
from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Optional

HASH_CHARS = 10


def to_decimal(value: Any) -> Optional[Decimal]:
    """Read a rules parameter (a threshold from YAML: int, float, str) exactly, or None.

    For configuration only: customers' money arrives typed by the contract and is read
    with contracts.values.money. Floats go through ``str`` so 49999.99 stays 49999.99
    rather than its binary approximation. Booleans, NaN, infinities and blank or
    malformed strings are None: a threshold must be a real, finite number.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        value = str(value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
    try:
        result = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return result if result.is_finite() else None


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Return a new dict: ``override`` over ``base``, recursing into mappings only.

    Inputs are never mutated, so the loaded document can be shared safely. Only
    containers are copied: leaves of a parsed document (numbers, strings, dates) are
    immutable, and `copy.deepcopy` of every leaf was most of an evaluation's cost.
    """
    merged: dict[str, Any] = {key: _fresh(value) for key, value in base.items()}
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = _fresh(value)
    return merged


_LEAVES = (str, int, float, Decimal, date)  # immutable: checked first, as Mapping is slow


def _fresh(value: Any) -> Any:
    """A copy of every mapping and list in ``value``; other values are shared."""
    if isinstance(value, _LEAVES):
        return value
    if isinstance(value, Mapping):
        return {key: _fresh(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_fresh(item) for item in value]
    return value


def effective_params(rules: Mapping[str, Any], scheme: str, branch: Optional[str]) -> dict[str, Any]:
    """Parameters of ``scheme`` as they apply in ``branch`` (None = no branch).

    A branch with no override, or an unknown branch, gets the scheme defaults;
    a scheme absent from the document gets ``{}`` (the scheme's own built-in
    defaults then apply).
    """
    defaults = (rules.get("schemes") or {}).get(scheme) or {}
    override: Mapping[str, Any] = {}
    if branch is not None:
        override = ((rules.get("branches") or {}).get(branch) or {}).get(scheme) or {}
    return deep_merge(defaults, override)


def _canonical(value: Any) -> Any:
    """Make equal-meaning parameters hash equally: 50000, 50000.0 and "50000"
    are the same threshold, so numbers become normalized decimal strings."""
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        number = to_decimal(value)
        if number is not None:
            return format(number.normalize(), "f")
    return value


def params_hash(params: Mapping[str, Any]) -> str:
    """First ``HASH_CHARS`` hex chars of sha256 over canonical JSON of ``params``."""
    text = json.dumps(
        _canonical(params), sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:HASH_CHARS]


def rules_version(rules: Mapping[str, Any], scheme: str, branch: Optional[str]) -> str:
    """``"<document version>+<hash of effective params>"``, e.g. "2026-11-01+3fa9c2d1b0".

    The version may be a YAML date (unquoted) or a string; both print the same.
    """
    return params_version(rules, effective_params(rules, scheme, branch))


def params_version(rules: Mapping[str, Any], params: Mapping[str, Any]) -> str:
    """`rules_version` of parameters already worked out from `rules` (the one place
    the version string is formed)."""
    version = rules.get("version")
    label = "unversioned" if version is None else str(version)
    return f"{label}+{params_hash(params)}"


def check_increasing(named_values: Iterable[tuple[str, Any]], where: str) -> list[str]:
    """Errors unless every value is a number and each is greater than the one before.

    ``named_values`` is in the order the values must rise (a scheme's low -> high
    tiers). Shared by scheme validators so the messages read the same.
    """
    errors: list[str] = []
    previous: Optional[tuple[str, Decimal]] = None
    for name, raw in named_values:
        number = to_decimal(raw)
        if number is None:
            errors.append(f"{where}: {name} must be a number, got {raw!r}")
            continue
        if previous is not None and number <= previous[1]:
            errors.append(
                f"{where}: {name} ({number}) must be greater than {previous[0]} ({previous[1]})"
            )
        previous = (name, number)
    return errors


def _non_string_keys(value: Any, path: str) -> list[str]:
    """YAML turns unquoted keys like 3 or 001 into ints (losing zeros), which then
    silently fail to merge with "3"; insist on quoted string keys everywhere."""
    errors: list[str] = []
    if isinstance(value, Mapping):
        for key, child in value.items():
            if not isinstance(key, str):
                errors.append(f"{path}: key {key!r} must be a string (quote it in YAML)")
            errors.extend(_non_string_keys(child, f"{path}.{key}"))
    return errors


def _scheme_errors(scheme_cls: Any, params: Mapping[str, Any]) -> list[str]:
    """Ask the scheme to check its own params, if it knows how."""
    validate = getattr(scheme_cls, "validate_params", None)
    return list(validate(params)) if validate is not None else []


def validate_rules(rules: Any, known_schemes: Iterable[str] | Mapping[str, Any]) -> list[str]:
    """All problems in a rules document; empty list = usable.

    Meant to run at service start-up so bad configuration fails loudly instead
    of mis-tiering customers. Checks the structure, that every scheme named
    (in defaults or branch overrides) is known, that keys are strings, and -
    when ``known_schemes`` maps names to scheme classes with ``validate_params``
    - the scheme-specific rules (numeric, increasing thresholds ...) for the
    defaults *and* for each branch's merged parameters, since an override can
    break an ordering that the defaults satisfy.
    """
    if not isinstance(rules, Mapping):
        return [f"rules document must be a mapping, got {type(rules).__name__}"]
    known = dict(known_schemes) if isinstance(known_schemes, Mapping) else {n: None for n in known_schemes}
    errors = _non_string_keys(rules, "rules")
    version = rules.get("version")
    if version is None or not str(version).strip():
        errors.append("version is missing")
    schemes = rules.get("schemes")
    if not isinstance(schemes, Mapping):
        return errors + ["schemes must be a mapping of scheme name to parameters"]
    branches = rules.get("branches") or {}
    if not isinstance(branches, Mapping):
        return errors + ["branches must be a mapping of branch code to overrides"]
    errors += _section_errors(schemes, known, "schemes")
    for branch, overrides in branches.items():
        if not isinstance(overrides, Mapping):
            errors.append(f"branches.{branch} must be a mapping of scheme name to overrides")
            continue
        errors += _section_errors(overrides, known, f"branches.{branch}")
    if errors:
        return errors
    for name, scheme_cls in known.items():
        errors += _merged_errors(rules, name, scheme_cls, branches)
    return errors


def _merged_errors(
    rules: Mapping[str, Any], name: str, scheme_cls: Any, branches: Mapping[str, Any]
) -> list[str]:
    """Scheme checks on the defaults, then on each overriding branch's merged params;
    a branch only reports problems its override adds, not the defaults' again."""
    base = _scheme_errors(scheme_cls, effective_params(rules, name, None))
    errors = [f"schemes.{name}: {message}" for message in base]
    for branch, overrides in branches.items():
        if name in overrides:
            merged = _scheme_errors(scheme_cls, effective_params(rules, name, branch))
            errors += [f"branches.{branch}.{name}: {m}" for m in merged if m not in base]
    return errors


def _section_errors(section: Mapping[str, Any], known: Mapping[str, Any], where: str) -> list[str]:
    """Unknown scheme names and non-mapping parameter blocks in one section."""
    errors: list[str] = []
    for name, params in section.items():
        if name not in known:
            errors.append(f"{where}: unknown scheme {name!r}; known: {sorted(known)}")
        elif not isinstance(params, Mapping):
            errors.append(f"{where}.{name} must be a mapping of parameters")
    return errors

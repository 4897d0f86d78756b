"""Structured (JSON) logging that masks personal data in every line it writes.

Two nets (common.pii): records passed as log arguments and `extra` fields are masked by
their field names before the line is formatted, so a hyphenated ID number or a landline
under `national_id` / `phones` is masked whatever its form; the formatted message and
any exception text then go through the pattern net for free text.
"""
from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from .pii import mask_fields, mask_text

# Attributes every LogRecord has; anything else on a record came in through `extra`.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message", "asctime", "taskName"}


def masked_message(record: logging.LogRecord) -> str:
    """`record.getMessage()` with dict, list and tuple arguments masked by field name.

    A message its arguments do not fit is written with their text, not raised: the
    logging module's own error report would print the raw arguments to stderr."""
    msg = str(record.msg)
    args = record.args
    if not args:
        return msg
    try:
        if isinstance(args, Mapping):
            return msg % mask_fields(dict(args))
        return msg % tuple(mask_fields(a) if isinstance(a, (Mapping, list, tuple, set)) else a
                           for a in args)
    except (TypeError, ValueError, KeyError, RecursionError):
        return f"{msg} {args!r}"


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The `extra` a caller passed, masked by field name (free text by pattern). Values
    JSON cannot carry become their text first, so the pattern net sees that text too."""
    extra = {k: v for k, v in vars(record).items()
             if k not in _STANDARD and not k.startswith("_")}
    if not extra:
        return {}
    try:
        return mask_fields(json.loads(json.dumps(extra, default=str)))
    except (TypeError, ValueError, RecursionError):  # circular: the text of each value
        return {k: mask_fields({k: v if isinstance(v, str) else repr(v)})[k]
                for k, v in extra.items()}


class MaskingJsonFormatter(logging.Formatter):
    """One JSON object per line; arguments, `extra`, message and exception are masked."""

    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "msg": mask_text(masked_message(record)),
        }
        extra = extra_fields(record)
        if extra:
            entry["extra"] = extra
        if record.exc_info:
            entry["exc"] = mask_text(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(service: str, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(MaskingJsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("kombu", "amqp", "pymongo", "nameko"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

"""Structured (JSON) logging that masks personal data in every line it writes."""
from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone

from .pii import mask_text


class MaskingJsonFormatter(logging.Formatter):
    """One JSON object per line; the message and any exception are masked."""

    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "msg": mask_text(record.getMessage()),
        }
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

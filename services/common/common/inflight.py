"""How many units of work this process is doing right now.

`crm drain` must not call the pipeline idle while a handler is still running: its
message is unacknowledged (the broker's count of that is sampled, and may lag) and
the events it is about to stage are nowhere yet. Every unit of work (a message
handler through `reliable()`, a batch) runs inside `busy()`, and the `work_pending`
RPC reports `in_flight()`. The count is per process: one replica answers the RPC,
the others' work shows as unacknowledged messages.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

_lock = threading.Lock()  # no I/O while held: safe under eventlet and real threads
_count = 0


@contextmanager
def busy() -> Iterator[None]:
    """Count the enclosed block as one unit of work in flight, however it ends."""
    global _count
    with _lock:
        _count += 1
    try:
        yield
    finally:
        with _lock:
            _count -= 1


def in_flight() -> int:
    """Units of work running in this process now."""
    return _count

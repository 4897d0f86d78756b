"""Send the frames py-amqp writes during a block in one socket write.

py-amqp writes every frame it sends (a published message, an acknowledgement) with
its own `sendall`; the broker then reads, and wakes for, one small TCP segment per
frame. A batch of a few hundred messages or acknowledgements written at once is one
segment instead of hundreds: docs/benchmarks.md (sessions 22 and 23) measures what
that saves the broker and the services.

Why it is safe on a shared connection: under eventlet a green thread runs until it
waits on I/O, and nothing inside the block does (the frames are only collected), so
no other green thread can write on the connection in the meantime. Nothing inside may
wait for the broker either: the broker's answer would wait for the frames held here.
It replaces py-amqp's `transport._write` (a private attribute; amqp is pinned in
constraints.txt and tests/ops/test_batch_confirms.py counts the writes).
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator


@contextmanager
def corked(transport) -> Iterator[None]:
    """Hold the frames written meanwhile; write them at the end through the transport
    (which marks it disconnected if the socket failed) and raise what the write raised."""
    send, frames = transport._write, []
    transport._write = lambda data: frames.append(bytes(data))  # data: a reused buffer
    try:
        yield
    finally:
        transport._write = send
        if frames:
            transport.write(b"".join(frames))

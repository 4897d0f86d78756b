"""Subscribe to `tier.changed` on `tiering.events` and handle each event once.

    DOWNSTREAM_AMQP_URI=amqp://downstream:PASSWORD@HOST:5672/ \
        python subscribe_tier_changed.py --queue downstream.tiers --seen-file seen.txt

A downstream subscriber owns a durable queue named `<its broker user>.<anything>`, bound to
`tiering.events` with the routing key `tier.changed` (its broker role may declare, bind and
read only such queues: tools/stack/access.py `downstream_permissions`). The queue keeps
events while the subscriber is down. Delivery is at least once: a redelivery or a replay
brings an event again, so the subscriber remembers each `event_id` it handled (in
`--seen-file`, so also across restarts) and skips a repeat. Each new event is printed as one
JSON line and acknowledged after it was handled. Payload:
contracts/jsonschema/tier.changed.json.

Needs kombu (`pip install kombu`). Stops after `--max` new events or `--idle` quiet seconds.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import time
from pathlib import Path

from kombu import Connection, Exchange, Queue

# the pipeline declares the exchange; a subscriber may not (no configure right on it)
TIERING_EVENTS = Exchange("tiering.events", type="topic", durable=True, no_declare=True)


class SeenEvents:
    """Event ids already handled: in memory, and appended to `path` when given."""

    def __init__(self, path: str | None = None):
        self.path = Path(path) if path else None
        self.ids: set[str] = set()
        if self.path and self.path.exists():
            self.ids = set(self.path.read_text(encoding="utf-8").split())

    def first_time(self, event_id: str) -> bool:
        """True the first time an id is seen (and remembers it)."""
        if event_id in self.ids:
            return False
        self.ids.add(event_id)
        if self.path:
            with self.path.open("a", encoding="utf-8") as out:
                out.write(event_id + "\n")
        return True


def subscribe(uri: str, queue_name: str, seen: SeenEvents, handle, limit: int | None = None,
              idle: float | None = None) -> int:
    """Consume `tier.changed` from the durable queue `queue_name`; `handle(event)` runs once
    per event_id. Returns the number of new events handled."""
    queue = Queue(queue_name, TIERING_EVENTS, routing_key="tier.changed", durable=True,
                  auto_delete=False)
    handled, last = 0, time.monotonic()

    def on_message(body, message) -> None:
        nonlocal handled, last
        last = time.monotonic()
        event = json.loads(body) if isinstance(body, (str, bytes)) else body
        if seen.first_time(event["event_id"]):
            handle(event)
            handled += 1
        message.ack()  # after handling: a crash before it means a redelivery, not a loss

    with Connection(uri) as conn:
        with conn.Consumer(queue, callbacks=[on_message], accept=["json", "text/plain"]):
            while limit is None or handled < limit:
                try:
                    conn.drain_events(timeout=1)
                except socket.timeout:
                    if idle is not None and time.monotonic() - last > idle:
                        break
    return handled


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uri", default=os.environ.get("DOWNSTREAM_AMQP_URI"),
                        help="broker URI of your subscriber (default: $DOWNSTREAM_AMQP_URI)")
    parser.add_argument("--queue", required=True,
                        help="your durable queue, named <broker user>.<anything>")
    parser.add_argument("--seen-file", help="remember handled event ids here across restarts")
    parser.add_argument("--max", type=int, help="stop after this many new events")
    parser.add_argument("--idle", type=float, help="stop after this many quiet seconds")
    args = parser.parse_args(argv)
    if not args.uri:
        parser.error("give --uri or set DOWNSTREAM_AMQP_URI")

    def show(event: dict) -> None:
        print(json.dumps(event, ensure_ascii=False), flush=True)

    subscribe(args.uri, args.queue, SeenEvents(args.seen_file), show, args.max, args.idle)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The floor of this design: the broker and database alone, no services.

The same work per customer as the pipeline's critical path: five durable-queue hops
(persistent messages, a publisher confirm per message) and, after each hop, a
batched insert_many of 500 into MongoDB. Whatever the services add on top of this
is our overhead; this loop is the machine's limit for the design.

`unbatched` keeps the hops but replaces the batched insert by as many single-document
round trips per customer as the services make (counted by the database profiler,
tools/bench/dbprofile.py): the limit of one-message-at-a-time handlers, which says
how much of the gap to the floor is the design and how much is our code.
"""
from __future__ import annotations

import json
import time
import uuid

from kombu import Connection, Exchange, Queue
from pymongo import MongoClient

HOPS = 5
BATCH = 500


def measure_floor(amqp_uri: str, mongo_uri: str, customers: int, unbatched: int = 0) -> float:
    """Customers per second through five confirmed hops with batched writes, or with
    `unbatched` single-document round trips per customer spread over the hops."""
    tag = uuid.uuid4().hex[:8]
    exchange = Exchange(f"bench-floor-{tag}", type="direct", durable=True)
    queues = [Queue(f"bench-floor-{tag}-{i}", exchange, routing_key=str(i), durable=True)
              for i in range(HOPS + 1)]
    db = MongoClient(mongo_uri)[f"bench_floor_{tag}"]
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        channel = conn.channel()
        for queue in queues:
            queue(channel).declare()
        producer = conn.Producer(channel, exchange=exchange)
        started = time.perf_counter()
        for n in range(customers):
            _publish(producer, {"n": n, "name": "x" * 120}, 0)
        for hop in range(HOPS):
            trips = len(range(hop, unbatched, HOPS))  # this hop's share of the round trips
            _hop(conn, producer, queues[hop], hop, customers, db[f"hop{hop}"], trips)
        elapsed = time.perf_counter() - started
        for queue in queues:
            queue(channel).delete()
    db.client.drop_database(db.name)
    return customers / elapsed


def _publish(producer, body: dict, key: int) -> None:
    producer.publish(json.dumps(body), routing_key=str(key), delivery_mode=2,
                     content_type="application/json", retry=True)


def _hop(conn, producer, queue, hop: int, customers: int, collection, trips: int = 0) -> None:
    """Consume every message of one hop, write in batches (or `trips` single round
    trips per message), forward to the next hop."""
    batch, seen = [], 0
    simple = conn.SimpleQueue(queue)
    while seen < customers:
        message = simple.get(timeout=30)
        body = message.payload
        message.ack()
        seen += 1
        if trips:
            _single_trips(collection, body, trips)
            _publish(producer, body, hop + 1)
            continue
        batch.append(body)
        if len(batch) == BATCH or seen == customers:
            collection.insert_many([dict(b) for b in batch], ordered=False)
            for b in batch:
                _publish(producer, b, hop + 1)
            batch = []
    simple.close()


def _single_trips(collection, body: dict, trips: int) -> None:
    """Alternate upserts and point reads by _id, like a handler's load-and-store."""
    key = f"{body['n']}"
    for trip in range(trips):
        if trip % 2:
            collection.find_one({"_id": key})
        else:
            collection.update_one({"_id": key}, {"$set": {"trip": trip, **body}}, upsert=True)

"""Benchmark: a threshold change plus a full recompute over 100,000 customers.

Against a running stack (`make up`, or a test stack via CRM_ENV_FILE=<dir>/env):
  1. bulk-inserts N synthetic golden-customer snapshots and their current tiers
     (computed with the active rules, as the service would have) into the
     tiering database, under ids "BENCH-..." in branches "BN00".."BN19";
  2. reloads the rules with the star "4" threshold raised (RPC reload_rules);
  3. pages `recompute` over RPC, timing it, while a plain AMQP subscriber
     counts the tier.changed events for bench customers;
  4. recomputes again with nothing changed (the cost of skipping);
  5. restores the previous rules and deletes the bench data (unless --keep).
Prints one JSON report; expected moves are computed locally and compared.

  .venv/bin/python services/tiering/bench/recompute.py [--customers 100000]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import time
from contextlib import contextmanager
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Iterator

import uuid

import yaml
from kombu import Connection, Exchange, Queue
from contracts.caller import IdentifiedRpcProxy
from pymongo import MongoClient

from tiering.domain.evaluate import evaluate
from tiering.domain.paging import bucket_of
from tiering.plugins.schemes import IntentScheme, ServiceBandScheme, StarScheme

SCHEMES = {"star": StarScheme(), "service_band": ServiceBandScheme(), "intent": IntentScheme()}
LEVELS = ("none", "low", "medium", "high")


class Subscriber:
    """A plain kombu subscriber on tiering.events / tier.changed (exclusive queue)."""

    def __init__(self, uri: str):
        self.conn = Connection(uri)
        queue = Queue(f"bench-{uuid.uuid4().hex[:8]}", Exchange("tiering.events", "topic",
                      durable=True), routing_key="tier.changed", exclusive=True, auto_delete=True)
        self.simple = self.conn.SimpleQueue(queue)

    def gather(self, count: int, match, deadline: float = 300.0) -> list[dict]:
        """The messages matching `match`, as soon as `count` of them came (the changes
        the recompute should announce) plus any queued beside them (a duplicate counts),
        or what came by `deadline` seconds: longer than an outbox lease and a sweep, so
        a shortfall is a result, not impatience."""
        out, end = [], time.monotonic() + deadline
        while len(out) < count and time.monotonic() < end:
            out += self._next(min(1.0, end - time.monotonic()), match)
        while (found := self._next(0.2, match, ready=True)) is not None:
            out += found
        return out

    def _next(self, timeout: float, match, ready: bool = False) -> list[dict] | None:
        """One message as a list ([] if it does not match); with `ready`, None when
        nothing more is queued."""
        try:
            message = self.simple.get(timeout=timeout)
        except self.simple.Empty:
            return None if ready else []
        event = json.loads(message.body)
        message.ack()
        return [event] if match(event) else []

    def close(self) -> None:
        self.simple.close()
        self.conn.release()


def stack_env() -> dict[str, str]:
    """AMQP_URI and MONGO_URI (tiering's own database, MONGO_URI_TIERING, when the
    stack runs one per service): the environment wins, else CRM_ENV_FILE, else the
    checkout's .local/env (written by `make up`). Read here rather than through the
    crm command's client, so a service's bench depends on no other package."""
    path = Path(os.environ.get("CRM_ENV_FILE") or Path(__file__).resolve().parents[3] / ".local" / "env")
    found = dict(line.split("=", 1) for line in path.read_text().splitlines()
                 if "=" in line) if path.is_file() else {}
    found.update({k: os.environ[k] for k in ("AMQP_URI", "MONGO_URI", "MONGO_URI_TIERING")
                  if os.environ.get(k)})
    if found.get("MONGO_URI_TIERING"):
        found["MONGO_URI"] = found["MONGO_URI_TIERING"]
    if not {"AMQP_URI", "MONGO_URI"} <= found.keys():
        raise SystemExit(f"no stack found ({path}): run `make up` or set AMQP_URI and MONGO_URI")
    return found


@contextmanager
def rpc(timeout: float = 120.0) -> Iterator:
    """A nameko RPC proxy to the running stack's services."""
    with IdentifiedRpcProxy(stack_env()["AMQP_URI"], timeout=timeout) as proxy:
        yield proxy


def snapshot(n: int, rng: random.Random) -> dict:
    # 1,000 .. 5,000,000 log-uniform, kept as tiering keeps amounts: a two-place decimal
    # string (contracts.values), never a float, which the schemes refuse
    assets = round(10 ** rng.uniform(3, 6.7), 2)
    return {"_id": f"BENCH-{n:07d}", "customer_id": f"BENCH-{n:07d}", "kind": "person",
            "branch": f"BN{n % 20:02d}", "birth_date": f"{rng.randint(1945, 2004)}-06-15",
            "financials": {"avg_daily_assets": f"{assets:.2f}",
                           "has_relationship": rng.random() > 0.05,
                           "card_spend_12m": rng.choice([0, 20000, 80000]), "as_of": "2026-10-31"},
            "intent": {"willingness": rng.choice(LEVELS), "potential": rng.choice(LEVELS)},
            "owner": {"registered_by": "M001", "source": "bench", "external_id": str(n)},
            "display": {"name": "测*", "phone": "138****0000"}, "has_contact": True,
            "member_count": 1, "revision": 1, "active": True,
            "bucket": bucket_of(f"BENCH-{n:07d}")}


def tier_rows(customer: dict, rules: dict, today: date) -> list[dict]:
    records, _ = evaluate(customer, SCHEMES, rules, {}, today)
    return [{"_id": f"{customer['_id']}:{r.scheme}", "customer_id": customer["_id"],
             "scheme": r.scheme, "tier": r.tier, "reason": r.reason,
             "rules_version": r.rules_version, "figures": r.figures,
             "below_count": r.below_count, "branch": customer["branch"],
             "bucket": customer["bucket"]} for r in records]


def load(db, count: int, rules: dict, chunk: int = 10000) -> float:
    rng, today, started = random.Random(42), date.today(), time.perf_counter()
    for first in range(0, count, chunk):
        customers = [snapshot(n, rng) for n in range(first, min(first + chunk, count))]
        db.customers.insert_many(customers, ordered=False)
        db.tiers.insert_many([row for c in customers for row in tier_rows(c, rules, today)],
                             ordered=False)
    return time.perf_counter() - started


def expected_moves(db, old: dict, new: dict) -> int:
    today, moved = date.today(), 0
    for customer in db.customers.find({"_id": {"$regex": "^BENCH-"}}):
        customer["customer_id"] = customer["_id"]
        before = {r["scheme"]: r["tier"] for r in tier_rows(customer, old, today)}
        after = {r["scheme"]: r["tier"] for r in tier_rows(customer, new, today)}
        moved += sum(before[s] != after[s] for s in before)
    return moved


def recompute(page: int) -> dict:
    after, totals, started = "", {"processed": 0, "changes": 0, "written": 0}, time.perf_counter()
    with rpc(timeout=600) as proxy:
        while True:
            result = proxy.tiering.recompute(None, None, after, page)
            for key in totals:
                totals[key] += result[key]
            print(f"\rrecompute: {totals['processed']} customers, {totals['changes']} changes, "
                  f"{time.perf_counter() - started:.0f} s", end="", file=sys.stderr, flush=True)
            if not result["next_after"]:
                break
            after = result["next_after"]
    print(file=sys.stderr)
    return {**totals, "seconds": round(time.perf_counter() - started, 2)}


def cleanup(db) -> None:
    for name, field in (("customers", "_id"), ("tiers", "customer_id"),
                        ("tier_history", "customer_id")):
        db[name].delete_many({field: {"$regex": "^BENCH-"}})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100000)
    parser.add_argument("--page", type=int, default=2000)
    parser.add_argument("--database", default="crm_tiering")
    parser.add_argument("--new-threshold", type=int, default=350000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    # A `timeout` or Ctrl-C still restores the rules and removes the bench data.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    env = stack_env()
    db = MongoClient(env["MONGO_URI"], tz_aware=True)[args.database]
    stored = db.rules.find_one({"_id": "active"})
    old_text = stored["text"] if stored else \
        resources.files("tiering").joinpath("rules.yaml").read_text("utf-8")
    old = yaml.safe_load(old_text)
    new = json.loads(json.dumps(old))
    new["version"] = f"{old['version']}-bench"
    new["schemes"]["star"]["thresholds"]["4"] = args.new_threshold
    cleanup(db)
    report = {"customers": args.customers, "page": args.page,
              "load_seconds": round(load(db, args.customers, old), 2)}
    report["expected_changes"] = expected_moves(db, old, new)
    subscriber = Subscriber(env["AMQP_URI"])
    try:
        with rpc() as proxy:
            proxy.tiering.reload_rules(yaml.safe_dump(new, allow_unicode=True))
        report["recompute"] = recompute(args.page)
        report["recompute_again"] = recompute(args.page)
        events = subscriber.gather(report["expected_changes"],
                                   lambda e: e["customer_id"].startswith("BENCH-"))
        report["events"] = len(events)
        report["event_directions"] = {d: sum(e["direction"] == d for e in events)
                                      for d in ("up", "down")}
    finally:
        subscriber.close()
        with rpc() as proxy:
            proxy.tiering.reload_rules(old_text)
        if not args.keep:
            cleanup(db)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()

"""Pipeline measurements: throughput, end-to-end latency, per-stage time, memory.

A customer is "done" when its `customer.assigned` event is published: every bench
customer is eligible for the financial band and its branch has room. New golden
customers get a deterministic id (dedup derives it from the record id), so the
assignment event can be matched to the moment its record was published.
"""
from __future__ import annotations

import hashlib
import json
import re
import threading
import time
import urllib.parse
import urllib.request
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Iterator

from kombu import Connection, Exchange, Producer, Queue

from . import cpu

INTAKE = Exchange("crm.intake", type="topic", durable=True)
ASSIGNED = Exchange("assignment.events", type="topic", durable=True)


def customer_id(source: str, external_id: str) -> str:
    return "C" + hashlib.sha1(f"{source}:{external_id}".encode()).hexdigest()[:16]


def records(source: str, count: int, branch: str) -> list[dict]:
    """Distinct eligible persons (financial band) with no identifiers in common."""
    out = []
    for n in range(count):
        born = date(1940, 1, 1) + timedelta(days=(n * 37) % 25000)
        out.append({"source": source, "external_id": f"B{n:07d}", "name": _name(source, n),
                    "phones": [f"13{(n + _offset(source)) % 10**9:09d}"], "branch": branch, "birth_date": born.isoformat(),
                    "registered_by": "bench", "registered_at": "2026-01-01T00:00:00",
                    "financials": {"avg_daily_assets": 250000 + n, "has_relationship": True}})
    return out


def _offset(source: str) -> int:
    return int(hashlib.sha1(source.encode()).hexdigest()[:6], 16) * 1000


def _name(source: str, n: int) -> str:
    """Two random-looking words: bench persons must not look alike to dedup."""
    digest = hashlib.sha1(f"{source}{n}".encode()).hexdigest()
    letters = "".join(chr(ord("a") + int(c, 16) % 26) for c in digest)
    return f"{letters[:7].capitalize()} {letters[7:15].capitalize()}"


class AssignedWatcher:
    """Listens to customer.assigned (a plain AMQP subscriber) and stamps arrival times."""

    def __init__(self, amqp_uri: str):
        self.arrived: dict[str, float] = {}
        self._conn = Connection(amqp_uri)
        self._queue = Queue(f"bench-{uuid.uuid4().hex[:8]}", ASSIGNED,
                            routing_key="customer.assigned", exclusive=True, auto_delete=True)
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def _run(self) -> None:
        with self._conn.Consumer(self._queue, callbacks=[self._on_message], accept=["json"]):
            self._ready.set()
            while not self._stop.is_set():
                try:
                    self._conn.drain_events(timeout=0.5)
                except Exception:  # timeouts while idle
                    continue

    def _on_message(self, body, message) -> None:
        payload = body if isinstance(body, dict) else json.loads(body)
        self.arrived.setdefault(payload["customer_id"], time.perf_counter())
        message.ack()

    def wait_for(self, ids: set[str], timeout: float) -> bool:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if ids <= self.arrived.keys():
                return True
            time.sleep(0.2)
        return False

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._conn.release()


def publish(amqp_uri: str, batch: list[dict], rate: float | None = None) -> dict[str, float]:
    """Publish records one message each (optionally paced); return publish times by customer.

    `amqp_uri` is an intake client's broker URI (the stack's UPSTREAM_AMQP_URI): every
    message carries its user as `user_id`, which ingestion requires; nothing is declared
    (an upstream user may only write to crm.intake)."""
    sent: dict[str, float] = {}
    user = urllib.parse.unquote(urllib.parse.urlsplit(amqp_uri).username or "guest")
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        producer = Producer(conn.channel(), exchange=INTAKE, auto_declare=False)
        started = time.perf_counter()
        for n, record in enumerate(batch):
            if rate:
                delay = started + n / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            sent[customer_id(record["source"], record["external_id"])] = time.perf_counter()
            producer.publish(json.dumps(record), routing_key="customer.created",
                             content_type="application/json", delivery_mode=2,
                             user_id=user, declare=[])
    return sent


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


_SAMPLE = re.compile(r'^(crm_handler_duration_seconds_sum|crm_batch_duration_seconds_sum|'
                     r'crm_messages_consumed_total)\{handler="([^"]+)",service="([^"]+)"\} (\S+)$')


def stage_seconds(metrics_urls: list[str]) -> dict[str, float]:
    """Mean handling time per message per service: time in single-message handlers and
    in batches (each service's own histograms) over the messages it consumed."""
    seconds: dict[str, float] = {}
    consumed: dict[str, float] = {}
    for match in samples(metrics_urls, _SAMPLE):
        if match.group(2).startswith(("sweep", "drain", "retry")):
            continue
        name, service, value = match.group(1), match.group(3), float(match.group(4))
        target = consumed if name == "crm_messages_consumed_total" else seconds
        target[service] = target.get(service, 0) + value
    return {s: seconds[s] / consumed[s] for s in seconds if consumed.get(s)}


def samples(metrics_urls: list[str], pattern: re.Pattern) -> Iterator[re.Match]:
    """The lines of every service's /metrics that match `pattern`."""
    for url in metrics_urls:
        text = urllib.request.urlopen(url, timeout=10).read().decode()
        yield from filter(None, map(pattern.match, text.splitlines()))


def peak_rss_mb(pid_dir: Path) -> dict[str, float]:
    """Peak resident memory (MB) of every process with a pid file in `pid_dir`."""
    return cpu.peak_rss_mb(cpu.stack_pids(pid_dir, None))

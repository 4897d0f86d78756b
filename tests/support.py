"""Helpers to drive a private stack in tests: publish, subscribe, RPC, crm, extra replicas."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from kombu import Connection, Exchange, Producer
from pymongo import MongoClient
from pymongo.database import Database
from contracts.caller import IdentifiedRpcProxy

from tests.subscriber import Subscriber
from tools.stack.__main__ import SERVICES, Stack
from tools.stack.procs import free_port, start_background, wait_for, port_open

ROOT = Path(__file__).resolve().parent.parent
INTAKE = Exchange("crm.intake", type="topic", durable=True)


@contextmanager
def scratch_database(stack: "StackHandle", service: str, name: str) -> Iterator[Database]:
    """A database of its own on `service`'s database server, empty before and dropped
    after: a storage test's documents never meet the running service's."""
    client = MongoClient(stack.mongo_uri(service), tz_aware=True)
    client.drop_database(name)
    try:
        yield client[name]
    finally:
        client.drop_database(name)
        client.close()


class StackHandle:
    def __init__(self, base: Path):
        self.base = base
        self.stack = Stack(base)
        self.env: dict[str, str] = {}
        self.extra: list[Path] = []

    def start(self, fresh: bool = False) -> None:
        if fresh:
            self.stack.down(purge=True)
        self.env = self.stack.up()
        self.wait_consumers()

    def stop(self, purge: bool = False) -> None:
        """Stop every process of the stack (replicas are recorded under pids/ too)."""
        self.stack.down(purge=purge)

    def wait_consumers(self, timeout: float = 150) -> None:
        """Services are 'up' once every pipeline queue has a consumer (eight services
        starting on two busy cores took more than a minute in a CI run)."""
        def ready() -> bool:
            try:
                queues = self.queues()
            except Exception:
                return False
            owners = {q["name"].split("--")[-1].split(".")[0] for q in queues
                      if q["name"].startswith("evt-")}
            return len(queues) >= 9 and all(q.get("consumers") for q in queues) and \
                {"dedup", "tiering", "assignment", "notification"} <= owners
        assert wait_for(ready, timeout), "services did not start consuming"

    # -- broker ---------------------------------------------------------------------
    def queues(self) -> list[dict]:
        from crm_cli import client
        os.environ["CRM_ENV_FILE"] = str(self.base / "env")
        return client.pipeline_queues()

    def publish(self, body, routing_key: str = "customer.created",
                content_type: str = "application/json", raw: bool = False,
                uri: str | None = None, signed: bool = True) -> None:
        """Publish like an upstream system would: plain kombu, persistent, as the `local`
        client's broker user (UPSTREAM_AMQP_URI) or `uri`'s, with its `user_id`
        (`signed=False`: without one). Nothing is declared: an upstream user may only
        write to crm.intake, which the stack declared."""
        payload = body if raw else json.dumps(body, ensure_ascii=False)
        uri = uri or self.env["UPSTREAM_AMQP_URI"]
        with Connection(uri) as conn:
            producer = Producer(conn.channel(), exchange=INTAKE, auto_declare=False)
            producer.publish(payload, routing_key=routing_key, content_type=content_type,
                             content_encoding="utf-8" if not isinstance(payload, bytes) else "binary",
                             delivery_mode=2, declare=[], **user_id(uri, signed))

    def subscribe(self, exchange: str, routing_key: str) -> "Subscriber":
        return Subscriber(self.env["AMQP_URI"], exchange, routing_key, self.pending_report)

    def mongo_uri(self, service: str) -> str:
        """The URI of the database server that holds `service`'s database (the local
        stack runs one server per service: MONGO_URI_<SERVICE> in .local/env)."""
        return self.env.get(f"MONGO_URI_{service.upper()}") or self.env["MONGO_URI"]

    def mongo_uris(self) -> list[str]:
        """Every database server of the stack (MONGO_URIS), each once."""
        return (self.env.get("MONGO_URIS") or self.env["MONGO_URI"]).split()

    def db(self, service: str):
        """`service`'s own MongoDB database on its server (a new client: close it with
        `db.client.close()`)."""
        from pymongo import MongoClient
        return MongoClient(self.mongo_uri(service), tz_aware=True)[f"crm_{service}"]

    def pending_report(self, limit: int = 20) -> str:
        """What the pipeline still holds: every service's unpublished outbox rows, parked
        messages and queued messages, dead letters included (printed with a failed test
        or wait, so a missing event has a cause)."""
        from tools.stack.__main__ import SERVICES
        lines = []
        for service in SERVICES:
            db = self.db(service)
            try:
                pending = list(db["outbox"].find({"sent": False}, {
                    "type": 1, "created_at": 1, "lease_until": 1, "pending": 1,
                    "events.type": 1, "events._id": 1}).limit(limit))
                parked = list(db["parked"].find({"replayed": False}, {"entrypoint": 1,
                                                                      "reason": 1}).limit(limit))
            except Exception as exc:  # noqa: BLE001 - a report, never a second failure
                lines.append(f"{service}: unreadable ({type(exc).__name__}: {exc})")
                continue
            finally:
                db.client.close()
            lines += [f"{service}: outbox pending {r['_id']} {_pending_types(r)} created "
                      f"{r.get('created_at')} lease {r.get('lease_until')}" for r in pending]
            lines += [f"{service}: parked {r.get('entrypoint')}: {r.get('reason')}"
                      for r in parked]
        try:  # dead letters and work not yet taken (management counts, up to 5 s old)
            lines += [f"queue {q['name']}: {q.get('messages_ready')} ready, "
                      f"{q.get('messages_unacknowledged')} unacknowledged"
                      for q in self.queues() if q.get("messages")]
        except Exception as exc:  # noqa: BLE001
            lines.append(f"queues unreadable ({type(exc).__name__}: {exc})")
        for service in SERVICES:  # retries, splits, parkings: why an outcome came twice
            lines += [f"{service} log: {line}" for line in
                      _recent_warnings(self.base / "logs" / f"{service}.log")]
        return "\n".join(lines) or "no outbox row pending, no message parked or queued"

    def rpc(self, timeout: float = 60, amqp_uri: str | None = None):
        """An RPC proxy calling as the broker's administrator (a bootstrap admin of the
        test stack's services), or as the operator whose URI is given."""
        return IdentifiedRpcProxy(amqp_uri or self.env["AMQP_URI"], timeout=timeout)

    # -- the crm command ------------------------------------------------------------
    def crm(self, *args: str, check: bool = True, timeout: float = 600,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        env = dict(os.environ, CRM_ENV_FILE=str(self.base / "env"), **(env or {}))
        result = subprocess.run([str(Path(sys.executable).parent / "crm"), *args], env=env,
                                capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"crm {' '.join(args)} failed: {result.stderr}{result.stdout}")
        return result

    def crm_json(self, *args: str) -> list[dict]:
        return [json.loads(line) for line in self.crm(*args).stdout.split("\n") if line.strip()]

    def drain(self, timeout: float = 300) -> None:
        self.crm("drain", "--timeout", str(timeout), timeout=timeout + 30)

    # -- replicas -------------------------------------------------------------------
    def start_replica(self, service: str) -> Path:
        """One more process of a service on the same durable queues."""
        assert service in SERVICES
        pidfile = self.base / "pids" / f"{service}-replica-{uuid.uuid4().hex[:6]}.pid"
        port = free_port()
        env = self.stack.service_env(service, port, self.env)
        if service == "ingestion":  # its own intake port too
            env["INTAKE_PORT"] = str(free_port())
        start_background([sys.executable, "-m", "common.runner", service], env,
                         self.base / "logs" / f"{pidfile.stem}.log", pidfile)
        assert wait_for(lambda: port_open(port), 60), f"replica of {service} did not start"
        self.extra.append(pidfile)
        return pidfile

    def kill_service(self, service: str, sig: int = signal.SIGKILL) -> None:
        from tools.stack.procs import read_pid
        pid = read_pid(self.base / "pids" / f"{service}.pid")
        if pid:
            os.kill(pid, sig)
            wait_for(lambda: not Path(f"/proc/{pid}").exists(), 20)


    # -- faults on purpose (tests/faults) ----------------------------------------------
    def up(self) -> None:
        """`make up` semantics: start whatever is not running, then wait for consumers."""
        self.env = self.stack.up()
        self.wait_consumers(120)

    def stop_broker(self) -> None:
        self.stack.stop_broker()

    def start_broker(self) -> None:
        """Start the node again; the services are expected to reconnect by themselves."""
        self.stack.start_broker()

    def stop_db(self) -> None:
        self.stack.stop_db()

    def start_db(self) -> None:
        self.stack.start_db()

    def signal_service(self, service: str, sig: int, timeout: float = 60) -> float | None:
        """Send `sig` to a service process and wait until it is gone; returns the
        seconds it took (None if it was not running). Reaps it when it is our child."""
        from tools.stack.procs import pid_alive, read_pid
        pid = read_pid(self.base / "pids" / f"{service}.pid")
        if not pid:
            return None
        started = time.monotonic()
        os.kill(pid, sig)
        assert wait_for(lambda: not pid_alive(pid), timeout), \
            f"{service} (pid {pid}) still running {timeout}s after signal {sig}"
        self.last_exit = None
        try:
            _, status = os.waitpid(pid, os.WNOHANG)
            self.last_exit = os.waitstatus_to_exitcode(status)
        except ChildProcessError:  # not our child: its status is not ours to read
            pass
        return time.monotonic() - started

    def amqp_uri(self, user: str) -> str:
        """The URI of a broker user the stack created (a service name or `upstream`)."""
        return self.stack.amqp_uri_for(user)

    def publish_many(self, bodies: list, routing_key: str = "customer.created",
                     user: str | None = None, exchange: str = "crm.intake") -> None:
        """Publish many JSON messages on one confirmed connection, without declaring
        anything (an `upstream`-like user may only write to the exchange), as `user`
        (default: the `local` client's broker user on the intake, the administrator on
        any other exchange) with its `user_id`."""
        default = self.env["UPSTREAM_AMQP_URI" if exchange == INTAKE.name else "AMQP_URI"]
        uri = self.amqp_uri(user) if user else default
        with Connection(uri, transport_options={"confirm_publish": True}) as conn:
            producer = Producer(conn.channel(), exchange=Exchange(exchange, "topic", durable=True),
                                auto_declare=False)
            for body in bodies:
                producer.publish(json.dumps(body, ensure_ascii=False), routing_key=routing_key,
                                 content_type="application/json", content_encoding="utf-8",
                                 delivery_mode=2, declare=[], retry=True, **user_id(uri))

    def notifications(self) -> list[dict]:
        """Every notification (the CLI listing stops at 1,000 rows)."""
        with self.rpc() as proxy:
            return proxy.notification.notifications_list(None, 10_000_000)


def user_id(uri: str, signed: bool = True) -> dict:
    """The `user_id` property naming the URI's broker user (RabbitMQ checks it), which
    ingestion requires of every intake message."""
    from tools.stack.intake import uri_user
    return {"user_id": uri_user(uri)} if signed else {}


def intake_headers(stack_env: dict, token: str | None = None) -> dict:
    """HTTP headers of an intake POST as the `local` client (or with `token`)."""
    return {"Authorization": f"Bearer {token or stack_env['INTAKE_TOKEN']}"}


def _recent_warnings(log: Path, count: int = 8, tail_bytes: int = 512 * 1024) -> list[str]:
    """The last `count` warnings and errors of a service's JSON log (its tail only)."""
    try:
        with log.open("rb") as handle:
            handle.seek(max(0, log.stat().st_size - tail_bytes))
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return []
    found = []
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("level") in ("WARNING", "ERROR", "CRITICAL"):
            found.append(f"{entry.get('ts')} {entry['level']} {str(entry.get('msg'))[:300]}")
    return found[-count:]


def _pending_types(doc: dict) -> str:
    """The types of a pending outbox pass's unpublished events (common.outbox_store)."""
    from common.outbox_store import pending_of
    return ", ".join(e["type"] for e in pending_of(doc)) if "events" in doc else str(doc.get("type"))

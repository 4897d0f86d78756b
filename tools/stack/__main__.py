"""The local stack: `python -m tools.stack up|down|status [--dir .local]`.

`up` is idempotent: it starts whichever part is not running (broker, database, any
of the five services) and leaves the rest alone, keeping the data. `AMQP_URI` /
`MONGO_URI` in the environment win over the embedded broker and database.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import shutil
import sys
from pathlib import Path

from . import access, intake, operator, prometheus
from .procs import free_port, port_open, read_pid, start_background, stop_pids, wait_for
from .rabbit import RabbitNode, broker_dir, ensure_installed

SERVICES = ("ingestion", "dedup", "tiering", "assignment", "notification", "campaigns", "reporting", "groups")
# One embedded database server per service: each service owns its database anyway, and
# SecantusDB is one Python process (one GIL): with a single server it was the pipeline's
# limit at 94 % of a core while the second core idled.
DATABASES = tuple(f"mongo-{name}" for name in SERVICES)
# ingestion serves the HTTP intake on its own port (INTAKE_PORT), apart from /metrics
INTAKE_PORT = "ingestion_intake"
DOWNSTREAM_ENV = "DOWNSTREAM_AMQP_URI"  # in the stack's env file, never in a service's
PORT_NAMES = ("amqp", "amqp_dist", "amqp_mgmt", "amqp_prom", "epmd") + DATABASES + SERVICES \
    + (INTAKE_PORT, "prometheus")


# Retryable writes off for the embedded SecantusDB only: it keeps a reply per retryable
# write for 30 min and, past 10,000 of them, sorts the whole table on every write
# (measured: two thirds of its CPU, the pipeline slowing to ~1 customer/s after a few
# minutes). The services retry transient errors themselves and their writes are
# idempotent; a real MongoDB (compose, Kubernetes) keeps the driver default.
EMBEDDED_MONGO_URI = "mongodb://127.0.0.1:{port}/?directConnection=true&retryWrites=false"
# The embedded servers run standalone: they keep no oplog, which only change streams and
# replication read (nothing here does), and which cost each database process about an
# eighth of its CPU, a document per write (docs/benchmarks.md, session 25). SecantusDB
# still runs transactions on a standalone; mongod does not, so a real MongoDB must be a
# replica set (compose: rs0, Kubernetes: ReplicaSet).
EMBEDDED_MONGO_FLAGS = ("--standalone",)


class Stack:
    def __init__(self, base: Path):
        self.base = base.resolve()
        self.pids = self.base / "pids"
        self.logs = self.base / "logs"
        self.external_amqp = os.environ.get("AMQP_URI")
        self.external_mongo = os.environ.get("MONGO_URI")

    # -- state kept between runs ----------------------------------------------------
    def ports(self) -> dict[str, int]:
        path = self.base / "ports.json"
        ports = json.loads(path.read_text()) if path.exists() else {}
        for name in PORT_NAMES:
            if name not in ports:  # picked once per stack, then read back
                ports[name] = free_port(taken=set(ports.values()))
        path.write_text(json.dumps(ports, indent=1))
        return ports

    def secrets_env(self) -> dict[str, str]:
        """Development keys, generated once under the stack directory, never in the repo.

        Also the broker users' passwords (AMQP_PASSWORD_<USER>); a file from before
        per-service users existed gets them appended."""
        path = self.base / "secrets.env"
        if not path.exists():
            fernet = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
            path.write_text(f"CRM_ENCRYPTION_KEYS=k1:{fernet}\n"
                            f"CRM_BLIND_INDEX_KEY={secrets.token_hex(32)}\n"
                            f"CRM_WEBHOOK_SECRET={secrets.token_hex(16)}\n")
            path.chmod(0o600)
        found = dict(line.split("=", 1) for line in path.read_text().split())
        missing = {k: v for k, v in access.new_passwords().items() if k not in found}
        if missing:
            with path.open("a") as out:
                out.write("".join(f"{k}={v}\n" for k, v in missing.items()))
            found.update(missing)
        return found

    def keep_secrets(self, values: dict[str, str]) -> None:
        """Set (or replace) entries of secrets.env, such as the `local` client's token."""
        path = self.base / "secrets.env"
        found = {**dict(line.split("=", 1) for line in path.read_text().split()), **values}
        path.write_text("".join(f"{k}={v}\n" for k, v in found.items()))
        path.chmod(0o600)

    def amqp_uri_for(self, user: str) -> str:
        """The broker URI of one service (or `upstream`) with its own user; with an
        external broker (AMQP_URI given) everybody uses that URI."""
        if self.external_amqp:
            return self.external_amqp
        password = self.secrets_env()[access.password_key(user)]
        return access.amqp_uri(user, password, self.ports()["amqp"])

    def service_env(self, name: str, port: int, env: dict[str, str]) -> dict[str, str]:
        """A service's environment: its own broker user, no other user's password, no
        client's token; only ingestion (which creates clients' broker users) gets the
        management API's administrator."""
        callers = (*intake.ENV_KEYS, *operator.ENV_KEYS, DOWNSTREAM_ENV)
        own = {k: v for k, v in self.secrets_env().items() if not k.startswith("AMQP_PASSWORD_")
               and k not in (*intake.KEPT, *operator.KEPT)}
        env = {k: v for k, v in env.items() if k not in callers
               and (name == "ingestion" or k != "RABBITMQ_MANAGEMENT_URL")}
        outer = {k: v for k, v in os.environ.items() if k not in callers
                 and (name == "ingestion" or k != "RABBITMQ_MANAGEMENT_URL")}
        # the broker's administrator (the stack's AMQP_URI) may create the first operator
        own["CRM_BOOTSTRAP_ADMINS"] = intake.uri_user(env["AMQP_URI"])
        if name == "ingestion":
            own["INTAKE_PORT"] = str(self.ports()[INTAKE_PORT])
        return {**outer, **env, **own, "AMQP_URI": self.amqp_uri_for(name),
                "MONGO_URI": env.get(f"MONGO_URI_{name.upper()}", env["MONGO_URI"]),
                "WEB_PORT": str(port)}

    def env(self, ports: dict[str, int]) -> dict[str, str]:
        amqp = self.external_amqp or f"amqp://guest:guest@127.0.0.1:{ports['amqp']}/"
        mongo = {name: self.external_mongo or EMBEDDED_MONGO_URI.format(port=ports[f"mongo-{name}"])
                 for name in SERVICES}
        return {
            "AMQP_URI": amqp,
            "MONGO_URI": mongo[SERVICES[0]],
            "MONGO_URIS": " ".join(dict.fromkeys(mongo.values())),
            **{f"MONGO_URI_{name.upper()}": uri for name, uri in mongo.items()},
            "RABBITMQ_MANAGEMENT_URL": "" if self.external_amqp
            else f"http://guest:guest@127.0.0.1:{ports['amqp_mgmt']}",
            "INTAKE_URL": f"http://127.0.0.1:{ports[INTAKE_PORT]}/v1/customers",
            "METRICS_URLS": " ".join(f"http://127.0.0.1:{ports[s]}/metrics" for s in SERVICES),
            "RABBITMQ_METRICS_URL": "" if self.external_amqp
            else f"http://127.0.0.1:{ports['amqp_prom']}/metrics",
            "CRM_STACK_DIR": str(self.base),
        }

    def node(self, ports: dict[str, int] | None = None) -> RabbitNode:
        return RabbitNode(self._broker_base(), ports or self.ports())

    def _broker_base(self) -> Path:
        """The broker's directory this stack recorded when it started it (so `down` finds
        the node even if the naming rule changed since), else where it goes."""
        try:
            recorded = json.loads((self.base / "stack.json").read_text())["locations"]["broker"]
        except (OSError, ValueError, KeyError):
            recorded = ""
        return Path(recorded) if recorded else broker_dir(self.base)

    def locations(self) -> dict[str, str]:
        """Where every piece of the stack lives (also kept in `stack.json`)."""
        return {"stack": str(self.base), "env": str(self.base / "env"),
                "pids": str(self.pids), "logs": str(self.logs),
                "databases": str(self.base / "mongo"),
                "broker": "" if self.external_amqp else str(self._broker_base()),
                "broker_log": "" if self.external_amqp else str(self._broker_base() / "log")}

    # -- components -------------------------------------------------------------
    def up(self) -> dict[str, str]:
        self.base.mkdir(parents=True, exist_ok=True)
        self.pids.mkdir(exist_ok=True)
        ports = self.ports()
        env = self.env(ports)
        (self.base / "stack.json").write_text(json.dumps(
            {"locations": self.locations(), "ports": ports}, indent=1))
        if not self.external_amqp:
            self._broker(ports)
            access.apply(ports["amqp_mgmt"], self.secrets_env())
        if not self.external_mongo:
            self._databases(ports)
        for name in SERVICES:
            self._service(name, ports[name], self.service_env(name, ports[name], env))
        env["PROMETHEUS_URL"] = self._prometheus(ports["prometheus"], env)
        (self.base / "env").write_text("".join(f"{k}={v}\n" for k, v in env.items()))
        for name in (*SERVICES, INTAKE_PORT):
            if not wait_for(lambda: port_open(ports[name]), 60):
                service = name.split("_")[0]
                raise SystemExit(f"service {service} did not come up; see {self.logs / service}.log")
        env.update(self._local_client(env))
        env.update(self._local_operator(env))
        env.update(self._downstream(ports))
        (self.base / "env").write_text("".join(f"{k}={v}\n" for k, v in env.items()))
        return env

    def _downstream(self, ports: dict[str, int]) -> dict[str, str]:
        """DOWNSTREAM_AMQP_URI: the stack's `downstream` subscriber, which may read only its
        own queues bound to tiering.events (access.downstream_permissions,
        examples/subscribe_tier_changed.py); none with an external broker."""
        if self.external_amqp:
            return {}
        key = access.password_key(access.DOWNSTREAM)
        password = self.secrets_env().get(key) or secrets.token_hex(16)
        self.keep_secrets({key: password})
        access.add_downstream(ports["amqp_mgmt"], password)
        return {DOWNSTREAM_ENV: access.amqp_uri(access.DOWNSTREAM, password, ports["amqp"])}

    def _local_client(self, env: dict[str, str]) -> dict[str, str]:
        """INTAKE_TOKEN and UPSTREAM_AMQP_URI of the `local` client (tools/stack/intake.py),
        whose broker user is the stack's `upstream`."""
        upstream = self.amqp_uri_for(access.UPSTREAM)
        local = intake.ensure_local(env["AMQP_URI"], intake.uri_user(upstream),
                                    self.secrets_env())
        self.keep_secrets(local)
        return {"INTAKE_TOKEN": local["INTAKE_TOKEN"], "UPSTREAM_AMQP_URI": upstream}

    def _local_operator(self, env: dict[str, str]) -> dict[str, str]:
        """CRM_AMQP_URI of the local admin operator (tools/stack/operator.py); none when
        ingestion cannot create broker users (an external broker)."""
        from contracts.caller import IdentifiedRpcProxy

        if not env.get("RABBITMQ_MANAGEMENT_URL"):
            return {}
        kept = operator.ensure_local(lambda: IdentifiedRpcProxy(env["AMQP_URI"], timeout=60),
                                     self.secrets_env())
        self.keep_secrets(kept)
        return {"CRM_AMQP_URI": kept["CRM_AMQP_URI"]}

    def _prometheus(self, port: int, env: dict[str, str]) -> str:
        """PROMETHEUS_URL: a Prometheus (tools/stack/prometheus.py) scraping the services
        and the broker with the alert rules loaded, data under the stack's directory, its
        PID under pids/ (so `down` stops it with the services); "" when the binary cannot
        be installed, because the pipeline runs without it."""
        url = f"http://127.0.0.1:{port}"
        pidfile = self.pids / "prometheus.pid"
        if read_pid(pidfile):
            return url
        binary = prometheus.ensure_installed()
        if not binary:
            print("stack: note: prometheus is not installed and could not be (apt-get install "
                  "prometheus needs root); going on without it", flush=True)
            return ""
        base = self.base / "prometheus"
        targets = dict(zip(SERVICES, env["METRICS_URLS"].split()))
        prometheus.write_config(base, prometheus.scrape_config(
            targets, env["RABBITMQ_METRICS_URL"] or None))
        print(f"stack: starting Prometheus on {url}", flush=True)
        start_background(prometheus.command(binary, base, port), dict(os.environ),
                         self.logs / "prometheus.log", pidfile)
        if not wait_for(lambda: port_open(port) or not read_pid(pidfile), 30) \
                or not read_pid(pidfile):
            print(f"stack: note: Prometheus did not start (see {self.logs}/prometheus.log); "
                  "going on without it", flush=True)
            return ""
        return url

    def _broker(self, ports: dict[str, int]) -> None:
        node = self.node(ports)
        if node.running():
            return
        ensure_installed()
        print(f"stack: starting RabbitMQ node {node.name} on port {ports['amqp']}", flush=True)
        node.start()
        node.ctl("await_startup")

    def _databases(self, ports: dict[str, int]) -> None:
        """Start every service's database server that is not running, then wait for all."""
        for name in DATABASES:
            pidfile = self.pids / f"{name}.pid"
            if read_pid(pidfile) and port_open(ports[name]):
                continue
            data = self.base / "mongo" / name.removeprefix("mongo-")
            data.mkdir(parents=True, exist_ok=True)
            print(f"stack: starting SecantusDB {name} on port {ports[name]}", flush=True)
            start_background([sys.executable, "-m", "tools.stack.embedded_db",
                              "--host", "127.0.0.1", "--port", str(ports[name]),
                              "--storage-path", str(data), *EMBEDDED_MONGO_FLAGS],
                             dict(os.environ), self.logs / f"{name}.log", pidfile,
                             cwd=prometheus.ROOT)  # the checkout: tools.stack imports there
        for name in DATABASES:
            if not wait_for(lambda: port_open(ports[name]), 30):
                raise SystemExit(f"SecantusDB {name} did not start; see {self.logs / name}.log")

    def _service(self, name: str, port: int, env: dict[str, str]) -> None:
        pidfile = self.pids / f"{name}.pid"
        if read_pid(pidfile):
            return
        print(f"stack: starting service {name} (metrics on port {port})", flush=True)
        start_background([sys.executable, "-m", "common.runner", name],
                         env, self.logs / f"{name}.log", pidfile)

    # -- faults on purpose (tests, drills) -----------------------------------------
    def stop_broker(self) -> None:
        """Stop the private node the way an operator would (rabbitmqctl stop)."""
        self.node().stop()

    def start_broker(self) -> None:
        ports = self.ports()
        self._broker(ports)
        access.apply(ports["amqp_mgmt"], self.secrets_env())

    def stop_db(self) -> None:
        """SIGTERM SecantusDB and wait until it is gone (data stays on disk)."""
        stop_pids(self._database_pidfiles(), timeout=30)

    def start_db(self) -> None:
        self._databases(self.ports())

    def _database_pidfiles(self) -> list[Path]:
        return [self.pids / f"{name}.pid" for name in DATABASES]

    def down(self, purge: bool = False) -> None:
        """Stop what this stack started, by the PIDs it recorded: every service process
        (replicas too) and Prometheus at once, then the database, then the broker node and its epmd.
        `purge` also deletes the stack's files, the broker's directory included."""
        services = [f for f in sorted(self.pids.glob("*.pid")) if not f.name.startswith("mongo")] \
            if self.pids.exists() else []
        for pidfile in stop_pids(services):  # before the broker, or they ignore SIGTERM
            print(f"stack: stopped {pidfile.stem}", flush=True)
        for pidfile in stop_pids(self._database_pidfiles(), timeout=30):
            print(f"stack: stopped SecantusDB {pidfile.stem}", flush=True)
        ports_file = self.base / "ports.json"
        if not self.external_amqp and ports_file.exists():
            node = self.node(json.loads(ports_file.read_text()))
            node.stop()
            print("stack: stopped RabbitMQ", flush=True)
            if purge:
                node.remove()
        if purge:
            shutil.rmtree(self.base, ignore_errors=True)
            print(f"stack: removed {self.base}", flush=True)

    def status(self) -> None:
        for name in (*SERVICES, *DATABASES):
            pid = read_pid(self.pids / f"{name}.pid")
            print(f"{name:20} {'running pid ' + str(pid) if pid else 'stopped'}")
        for replica in sorted(self.pids.glob("*-replica-*.pid")) if self.pids.exists() else []:
            pid = read_pid(replica)
            print(f"{replica.stem:20} {'running pid ' + str(pid) if pid else 'stopped'}")
        if not self.external_amqp and (self.base / "ports.json").exists():
            node = self.node(json.loads((self.base / "ports.json").read_text()))
            state = f"running as {node.name}" if node.running() else "stopped"
            print(f"{'rabbitmq':20} {state}")
        for what, where in self.locations().items():
            if where:
                print(f"{what + ':':20} {where}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="stack")
    parser.add_argument("command", choices=["up", "down", "status", "restart-broker",
                                            "stop-broker", "start-broker", "stop-db", "start-db"])
    parser.add_argument("--dir", default=".local")
    parser.add_argument("--purge", action="store_true",
                        help="down: also delete the stack's data, the broker's directory included")
    args = parser.parse_args(argv)
    stack = Stack(Path(args.dir))
    if args.command == "up":
        env = stack.up()
        print("stack: up; environment in", stack.base / "env")
        for key, value in env.items():
            if key not in ("RABBITMQ_MANAGEMENT_URL", *intake.ENV_KEYS, *operator.ENV_KEYS,
                           DOWNSTREAM_ENV):
                print(f"  {key}={value}")
    elif args.command == "down":
        stack.down(purge=args.purge)
    elif args.command == "restart-broker":
        stack.stop_broker()
        stack.start_broker()
    elif args.command in ("stop-broker", "start-broker", "stop-db", "start-db"):
        getattr(stack, args.command.replace("-", "_"))()
    else:
        stack.status()


if __name__ == "__main__":
    main()

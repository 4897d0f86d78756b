"""Start one service: `python -m common.runner <service>`.

Our own small runner instead of `nameko run`: it patches eventlet first, reads the
service's YAML config, refuses weak secrets (common.secrets), waits for the broker
and the database (services may start in any order), and turns SIGTERM into a
graceful stop (in-flight workers finish, unacknowledged messages return to their
queues).

A graceful stop is bounded (CRM_STOP_TIMEOUT, default 30 s): nameko waits for the
broker to stop its consumers, and with the broker gone it would wait for ever. Past
the bound the process exits at once; that loses nothing, because a message is
acknowledged only after its handler finished, and the broker requeues whatever the
dead connection held. A second SIGTERM/SIGINT exits at once too.
"""
from __future__ import annotations

import eventlet

eventlet.monkey_patch()  # noqa: E402  must precede every other import

import importlib  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from kombu import Connection  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402
from pymongo import MongoClient  # noqa: E402

from .config import load_config  # noqa: E402
from .logs import configure_logging  # noqa: E402
from .messaging import install_safe_acks  # noqa: E402
from .secrets import check as check_secrets  # noqa: E402

log = logging.getLogger("common.runner")


def wait_for_backends(config: dict, timeout: float = 300.0) -> None:
    """Block until RabbitMQ and MongoDB answer, so start order does not matter."""
    deadline = time.monotonic() + timeout
    for name, probe in (("broker", lambda: _ping_amqp(config["AMQP_URI"])),
                        ("database", lambda: _ping_mongo(config["MONGO_URI"]))):
        while True:
            try:
                probe()
                break
            except Exception as exc:  # any failure means "not yet"
                if time.monotonic() > deadline:
                    raise SystemExit(f"{name} unreachable: {exc}")
                log.warning("waiting for %s: %s", name, exc)
                time.sleep(1)


def _ping_amqp(uri: str) -> None:
    with Connection(uri, connect_timeout=3) as conn:
        conn.connect()


def _ping_mongo(uri: str) -> None:
    MongoClient(uri, serverSelectionTimeoutMS=3000).admin.command("ping")


def _exit_after(seconds: float, name: str) -> None:
    eventlet.sleep(seconds)
    log.error("%s did not stop within %.0fs (broker or database unreachable?): exiting; "
              "unacknowledged messages return to their queues", name, seconds)
    logging.shutdown()
    os._exit(2)


def service_class(name: str) -> type:
    module = importlib.import_module(f"{name}.service")
    return next(obj for obj in vars(module).values()
                if isinstance(obj, type) and getattr(obj, "name", None) == name)


def main(argv: list[str] | None = None) -> None:
    name = (argv or sys.argv[1:])[0]
    configure_logging(name)
    install_safe_acks()
    config = load_config(name)
    # before connecting to anything: a weak secret stops the service with one line
    check_secrets(name, {**os.environ, "AMQP_URI": config["AMQP_URI"],
                         "MONGO_URI": config["MONGO_URI"]})
    wait_for_backends(config)
    runner = ServiceRunner(config)
    runner.add_service(service_class(name))

    stopping = []
    grace = float(os.environ.get("CRM_STOP_TIMEOUT", "30"))

    def shutdown(signum, frame):
        if stopping:
            log.warning("signal %s again: exiting %s now", signum, name)
            os._exit(1)
        stopping.append(signum)
        log.info("signal %s: stopping %s gracefully (at most %.0fs)", signum, name, grace)
        eventlet.spawn_n(runner.stop)
        eventlet.spawn_n(_exit_after, grace, name)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    runner.start()
    log.info("service %s started", name)
    runner.wait()
    log.info("service %s stopped", name)


if __name__ == "__main__":
    main()

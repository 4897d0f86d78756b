"""A private RabbitMQ node from the Debian package, owned by the `rabbitmq` user.

Everything is set through environment variables so the node never touches the
system-wide node: its own name, ports, epmd port, data, logs, cookie (HOME).
"""
from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import signal
import subprocess
from pathlib import Path

from .procs import pid_alive, port_open, run_as_broker_user, wait_for

PLUGINS = "[rabbitmq_management,rabbitmq_prometheus]."


def ensure_installed() -> None:
    """Install rabbitmq-server with apt when missing (only possible as root)."""
    if Path("/usr/lib/rabbitmq/bin/rabbitmq-server").exists() or shutil.which("rabbitmq-server"):
        return
    if os.geteuid() != 0:
        raise SystemExit("rabbitmq-server is not installed and we are not root: "
                         "install it (apt-get install rabbitmq-server) or set AMQP_URI")
    print("stack: installing rabbitmq-server with apt ...", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "rabbitmq-server"], check=True, env=env,
                   stdout=subprocess.DEVNULL)


BROKER_USER = "rabbitmq"


def broker_dir(stack_base: Path) -> Path:
    """Where a stack's broker node keeps its files.

    As root the node runs as the `rabbitmq` user, which cannot enter a checkout below a
    directory closed to others (`/root`, `mktemp -d`): its files then live in a directory
    of their own under that user's home, named after the stack (its folder and its
    parent's names and a hash of its full path, so two stacks never share one). Not as
    root, the node runs as ourselves and stays under the stack directory.
    """
    stack_base = stack_base.resolve()
    if os.geteuid() != 0:
        return stack_base / "rabbitmq"
    digest = hashlib.sha1(str(stack_base).encode()).hexdigest()[:10]
    name = f"{stack_base.parent.name}-{stack_base.name}".replace(".", "")
    return Path(_broker_home()) / "crm-stacks" / f"{name}-{digest}"


def _broker_home() -> str:
    try:
        return pwd.getpwnam(BROKER_USER).pw_dir
    except KeyError:  # not installed yet: Debian's package makes this its home
        return "/var/lib/rabbitmq"


def _bin(name: str) -> str:
    private = Path("/usr/lib/rabbitmq/bin") / name
    return str(private) if private.exists() else name


class RabbitNode:
    """One private broker node described by its base directory and ports."""

    def __init__(self, base: Path, ports: dict[str, int]):
        self.base = base
        self.ports = ports
        self.name = f"crm-{ports['amqp']}@localhost"

    def env(self) -> dict[str, str]:
        home = self.base / "home"
        return dict(
            os.environ,
            RABBITMQ_NODENAME=self.name,
            RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
            RABBITMQ_NODE_PORT=str(self.ports["amqp"]),
            RABBITMQ_DIST_PORT=str(self.ports["amqp_dist"]),
            ERL_EPMD_PORT=str(self.ports["epmd"]),
            RABBITMQ_MNESIA_BASE=str(self.base / "mnesia"),
            RABBITMQ_LOG_BASE=str(self.base / "log"),
            RABBITMQ_PID_FILE=str(self.base / "rabbit.pid"),
            RABBITMQ_ENABLED_PLUGINS_FILE=str(self.base / "enabled_plugins"),
            RABBITMQ_CONFIG_FILE=str(self.base / "rabbitmq.conf"),
            RABBITMQ_ADVANCED_CONFIG_FILE=str(self.base / "advanced.config"),
            RABBITMQ_CONF_ENV_FILE=str(self.base / "rabbitmq-env.conf"),
            HOME=str(home),
        )

    def _write_files(self) -> None:
        try:
            for sub in ("home", "mnesia", "log"):
                (self.base / sub).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SystemExit(f"stack: cannot create the broker's directory {self.base} "
                             f"({exc.strerror}): run as root or set AMQP_URI") from None
        (self.base / "enabled_plugins").write_text(PLUGINS + "\n")
        (self.base / "rabbitmq-env.conf").write_text("")
        (self.base / "advanced.config").write_text("[].\n")
        (self.base / "rabbitmq.conf").write_text(
            "listeners.tcp.default = 127.0.0.1:%d\n"
            "management.tcp.port = %d\n"
            "management.tcp.ip = 127.0.0.1\n"
            "prometheus.tcp.port = %d\n"
            "prometheus.tcp.ip = 127.0.0.1\n"
            "loopback_users.guest = true\n"
            "log.console = false\n"
            "disk_free_limit.absolute = 50MB\n"
            "collect_statistics_interval = 1000\n"  # `crm drain` waits > one interval
            # the local queues are classic (Compose and Kubernetes: quorum); version 2 is
            # the only classic storage RabbitMQ 4 has, and this 3.10 node's default,
            # version 1, costs the broker about 8 % more per customer (docs/benchmarks.md)
            "classic_queue.default_version = 2\n"
            % (self.ports["amqp"], self.ports["amqp_mgmt"], self.ports["amqp_prom"]))
        if os.geteuid() == 0:
            subprocess.run(["chown", "-R", f"{BROKER_USER}:{BROKER_USER}", str(self.base)],
                           check=True)

    def running(self) -> bool:
        return port_open(self.ports["amqp"]) and port_open(self.ports["amqp_mgmt"])

    def start(self, timeout: float = 60.0) -> None:
        self._write_files()
        run_as_broker_user([_bin("rabbitmq-server"), "-detached"], self.env())
        if not wait_for(lambda: self.running(), timeout):
            raise SystemExit(f"RabbitMQ node {self.name} did not start; see {self.base / 'log'}")

    def ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return run_as_broker_user([_bin("rabbitmqctl"), "-n", self.name, *args], self.env(),
                                  check=check, capture=True)

    def pid(self) -> int | None:
        """The node's Erlang VM, as it recorded itself."""
        try:
            return int((self.base / "rabbit.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def stop(self, grace: float = 30.0) -> None:
        """`rabbitmqctl stop`, SIGKILL for a VM still there after `grace`, then its epmd.

        The pid is read first: the node deletes its pid file while it shuts down."""
        pid = self.pid()
        if port_open(self.ports["amqp"]) or port_open(self.ports["amqp_dist"]):
            if self.base.exists():
                self.ctl("stop", check=False)
            wait_for(lambda: not port_open(self.ports["amqp"]), grace)
        if pid and not wait_for(lambda: not pid_alive(pid), grace):
            os.kill(pid, signal.SIGKILL)
            wait_for(lambda: not pid_alive(pid), 5)
        run_as_broker_user(["epmd", "-port", str(self.ports["epmd"]), "-kill"], self.env(),
                           check=False, capture=True)
        wait_for(lambda: not port_open(self.ports["epmd"]), 5)

    def remove(self) -> None:
        """Delete the node's files (after `stop`)."""
        shutil.rmtree(self.base, ignore_errors=True)

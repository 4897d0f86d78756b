"""Process and port helpers for the local stack: only PIDs we started are ever signalled."""
from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable, Collection


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


PORTS_FROM = 20000


def free_port(taken: Collection[int] = ()) -> int:
    """A port nothing listens on (and not in `taken`), below the kernel's ephemeral range
    when there is room. `bind(0)` hands out a port of that range, from which outgoing
    connections take theirs too: one could take it between this pick and the service's
    own bind, and the service would not start."""
    low = _ephemeral_low()
    if low > PORTS_FROM + 1000:  # room below the range: a few random tries there
        for port in (random.randrange(PORTS_FROM, low) for _ in range(200)):
            if port not in taken and _bindable(port):
                return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def run_as_broker_user(cmd: list[str], env: dict, check: bool = True,
                       capture: bool = False) -> subprocess.CompletedProcess:
    """Run a RabbitMQ tool as the `rabbitmq` user when we are root (the Debian layout)."""
    if os.geteuid() == 0:
        cmd = ["runuser", "-p", "-u", "rabbitmq", "--", *cmd]  # -p keeps our HOME (cookie)
    return subprocess.run(cmd, env=env, check=check, text=True,
                          stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                          stderr=subprocess.STDOUT if capture else None)


def read_pid(pidfile: Path) -> int | None:
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if pid_alive(pid) else None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child counts as dead
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return True


def start_background(cmd: list[str], env: dict, log: Path, pidfile: Path,
                     cwd: Path | None = None) -> int:
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, cwd=cwd, start_new_session=True)
    pidfile.write_text(str(proc.pid))
    return proc.pid


def stop_pid(pidfile: Path, timeout: float = 15.0) -> bool:
    """SIGTERM the process recorded in pidfile, SIGKILL it after timeout."""
    return bool(stop_pids([pidfile], timeout))


def stop_pids(pidfiles: list[Path], timeout: float = 15.0) -> list[Path]:
    """SIGTERM every process recorded in `pidfiles` at once, SIGKILL whichever still
    runs after `timeout` (a service whose broker is gone may ignore SIGTERM), so a
    stack stops in one grace period, not one per process. Returns the pidfiles whose
    process was running."""
    running = {f: pid for f in pidfiles if (pid := read_pid(f)) is not None}
    for pid in running.values():
        _signal(pid, signal.SIGTERM)
    if not wait_for(lambda: not any(map(pid_alive, running.values())), timeout):
        for pid in running.values():
            _signal(pid, signal.SIGKILL)
        wait_for(lambda: not any(map(pid_alive, running.values())), 5)
    for pidfile in pidfiles:
        pidfile.unlink(missing_ok=True)
    return list(running)


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass

"""CPU time per process of the local stack during a run.

On the 2-core machine the pipeline is CPU-bound: the five services, their five
SecantusDB processes and the broker share two cores, and none of them waits on another
for long. Throughput then follows the CPU each customer costs, summed over every
process, so the bench reports that sum and where it goes, not just the slowest handler.
"""
from __future__ import annotations

import os
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def stack_pids(pid_dir: Path, broker_pid: int | None) -> dict[str, int]:
    """Every process of the stack by name (services, databases, and the broker's VM)."""
    pids = {}
    for pidfile in sorted(pid_dir.glob("*.pid")):
        try:
            pids[pidfile.stem] = int(pidfile.read_text().strip())
        except (OSError, ValueError):
            continue
    if broker_pid:
        pids["rabbitmq"] = broker_pid
    return pids


def cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """User + system CPU seconds each process has used so far (gone processes skipped)."""
    used = {}
    for name, pid in pids.items():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[name] = (int(fields[11]) + int(fields[12])) / TICK
    return used


def peak_rss_mb(pids: dict[str, int]) -> dict[str, float]:
    """Each process's peak resident memory so far (VmHWM), in MB (gone processes skipped)."""
    out = {}
    for name, pid in pids.items():
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        hwm = next((line for line in status.splitlines() if line.startswith("VmHWM")), None)
        if hwm:
            out[name] = int(hwm.split()[1]) / 1024
    return out


def per_customer_ms(before: dict[str, float], after: dict[str, float],
                    customers: int) -> dict[str, float]:
    return {name: (after[name] - before.get(name, 0.0)) * 1000 / max(customers, 1)
            for name in after}


def group(name: str) -> str:
    if name.startswith("mongo-"):
        return "databases"
    return "broker" if name == "rabbitmq" else "services"


def lines(cost: dict[str, float], seconds: float, customers: int) -> list[str]:
    """The CPU table: ms of CPU per customer per process and per kind, and how busy the
    machine's cores were (near 100 %: CPU-bound; well below: waiting somewhere)."""
    total = sum(cost.values())
    kinds: dict[str, float] = {}
    for name, ms in cost.items():
        kinds[group(name)] = kinds.get(group(name), 0.0) + ms
    busy = total * customers / 1000 / max(seconds, 1e-9) / (os.cpu_count() or 1)
    return [
        f"CPU per customer in the {customers}-customer run: {total:.1f} ms over all processes "
        f"(the {os.cpu_count()} cores {busy:.0%} busy): " + ", ".join(
            f"{kind} {ms:.1f} ms" for kind, ms in sorted(kinds.items(), key=lambda kv: -kv[1])),
        "", "CPU per customer by process (ms): " + ", ".join(
            f"{name} {ms:.1f}" for name, ms in sorted(cost.items(), key=lambda kv: -kv[1])), "",
    ]

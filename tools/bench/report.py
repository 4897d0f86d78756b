"""The `make bench` table, printed and written into docs/benchmarks.md."""
from __future__ import annotations

import os
import platform
from datetime import datetime, timezone
from pathlib import Path

from . import calibrate, cpu, listimport, targets

DOC = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"
MARK = "<!-- pipeline-bench -->"


def report(args, floor, pipeline, rate, pcts, stages, rss, slowest, scaled, profile,
           unbatched, listed: dict | None = None, usage: tuple | None = None,
           speed: list[tuple[float, float]] | None = None,
           written: list[str] | None = None, paired=None) -> str:
    """Print the table, write it into the doc; return the closing line (printed by the
    caller after the stack is down, so it is the run's last line)."""
    ratio = pipeline / floor if floor else float("nan")
    bursts = len(paired.rates) if paired else 1
    around = " (mean of the runs just before and after the burst reported)" if paired else ""
    median = f", the burst of median ratio of {bursts}" if bursts > 1 else ""
    operations = profile["operations"]
    trips = sum(operations.values()) / args.profiled
    lines = [
        MARK, "## Pipeline vs floor (`make bench`)", "",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.node()}: "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, RabbitMQ (Debian package) "
        f"and SecantusDB as the database. Reproduce: `make bench` "
        f"(`.venv/bin/python -m tools.bench --customers N --warmup W --pairs B --stream M "
        f"--profiled P`). Every measured run starts with the stack idle (`crm drain`).", "",
        *([calibrate.line(speed[0], speed[-1]), ""] if speed and len(speed) > 1 else []),
        "| measure | value |", "|---|---|",
        f"| floor: 5 confirmed hops + batched writes, {args.customers} customers"
        f"{around} | {floor:.1f} customers/s |",
        f"| pipeline: {args.customers} customers published at once, until assigned "
        f"(after {args.warmup} warm-up customers, the stack idle){median} | "
        f"{pipeline:.1f} customers/s |",
        f"| ratio pipeline / floor | {ratio:.2f} |",
        f"| end-to-end latency at {rate:.1f}/s offered ({args.stream} customers): p50 / p95 / p99 | "
        f"{pcts[0]:.2f} s / {pcts[1]:.2f} s / {pcts[2]:.2f} s |",
        f"| slowest stage (mean handler time) | {slowest} |",
        f"| throughput with 2 replicas of {slowest} | {scaled:.1f} customers/s |",
        f"| database round trips per customer (profiler, {args.profiled} customers) | {trips:.0f} |",
        f"| floor without batching: 5 hops + {trips:.0f} single round trips per customer | "
        f"{unbatched:.1f} customers/s |",
        f"| ratio pipeline / floor without batching | {pipeline / unbatched:.2f} |", "",
        *([paired.line(), ""] if paired else []),
        "Mean handler time per stage: " + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in
                                                   sorted(stages.items(), key=lambda kv: -kv[1])),
        "", *(cpu.lines(usage[0], usage[1], args.customers) if usage else []),
        *(written or []),
        "Peak RSS per process (MB): " + ", ".join(f"{k} {v:.0f}" for k, v in rss.items()), "",
        "Database round trips per customer, by service: " + ", ".join(
            f"{k} {v / args.profiled:.1f}" for k, v in sorted(operations.items(),
                                                              key=lambda kv: -kv[1])), "",
        "Costliest query shapes in the profiled run (total time includes waiting for the "
        "database's lock, so it ranks rather than measures):", "",
        "| total s | count | database.collection | operation | filter fields |", "|---|---|---|---|---|",
        *[f"| {ms / 1000:.1f} | {n} | {db}.{coll} | {op} | `{filt}` |"
          for db, coll, op, filt, n, ms in profile["shapes"]], "",
        *(listimport.lines(listed) if listed else []),
        *analysis(pipeline, floor, unbatched, trips, usage, args.customers), "",
    ]
    goals = targets.lines(floor, pipeline, pcts[2], sum(usage[0].values()) if usage else 0.0,
                          os.cpu_count() or 1, listed, args.customers)
    lines += goals
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n\n"
    head = text.split(MARK)[0].rstrip() + "\n\n"
    tail = text.split(MARK)[1].split("\n## ", 2) if MARK in text else []
    rest = ("\n## " + tail[2]) if len(tail) > 2 else ""
    DOC.write_text(head + "\n".join(lines) + rest)
    table = lines.index("| measure | value |")
    print("\n".join(lines[5:lines.index("", table)]))  # the machine's speed and the table
    print("\n".join(goals))
    return (f"bench: pipeline {pipeline:.1f} customers/s, floor {floor:.1f} customers/s, "
            f"ratio {ratio:.2f}")


def analysis(pipeline: float, floor: float, unbatched: float, trips: float,
             usage: tuple | None, customers: int) -> list[str]:
    """What holds the pipeline, from this run's own figures."""
    cost, seconds = usage or ({}, 0.0)
    kinds: dict[str, float] = {}
    for name, ms in cost.items():
        kinds[cpu.group(name)] = kinds.get(cpu.group(name), 0.0) + ms
    total = sum(cost.values())
    costliest = sorted(cost.items(), key=lambda kv: -kv[1])[:3]
    cores = os.cpu_count() or 1
    busy = total * customers / 1000 / max(seconds, 1e-9) / cores
    verdict = ("the pipeline is bound by CPU, not by waiting" if busy >= 0.85 else
               f"the cores were only {busy:.0%} busy, so part of the time is spent waiting "
               "(batch timers, confirms, locks)")
    return [
        "### Where the time goes", "",
        f"Every stage consumes batches and commits one transaction per batch: about {trips:.0f} "
        "database round trips per customer over the five services. The same five hops with "
        f"that many single round trips and no service code run at {unbatched:.1f} customers/s "
        f"(the pipeline reaches {pipeline / unbatched:.0%} of that, {pipeline / floor:.0%} of "
        "the batched floor). "
        + (f"Each customer costs {total:.1f} ms of CPU summed over all processes "
           f"({', '.join(f'{k} {v:.1f} ms' for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]))}; "
           f"costliest: {', '.join(f'{k} {v:.1f} ms' for k, v in costliest)}), and "
           f"{cores} cores give at most {cores * 1000 / total:.0f} customers/s at that cost: "
           f"{verdict}. The databases' share is SecantusDB's per-document work "
           "(index maintenance and query matching in Python) for every row the stages write: "
           "snapshots, tiers, history, claims, read models and one outbox document per batch; a real `mongod` "
           "(compose, Kubernetes) does that work in C." if total else ""),
    ]

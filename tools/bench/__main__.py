"""`make bench`: floor vs pipeline on this machine, in one run; writes docs/benchmarks.md.

Sizes default to what the embedded database finishes in minutes on two cores, except
the 100,000-row list import (`--list-rows`, `--list-timeout`). The stack is warmed up
first and drained before every measured run, so each run measures its own work on a
warm stack, as production runs, not a fresh stack's first batches or the read models
still catching up with the previous run.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from tools.stack.__main__ import Stack
from tools.stack.procs import stop_pid

from . import calibrate, cpu, dbprofile, documents
from .floor import measure_floor
from .listimport import run_list_import
from .pairs import Paired
from .report import report
from .pipeline import (AssignedWatcher, customer_id, peak_rss_mb, percentile, publish, records,
                       stage_seconds)

ROOT = Path(__file__).resolve().parents[2]


def crm(base: Path, *args: str) -> None:
    subprocess.run([str(Path(sys.executable).parent / "crm"), *args], check=True,
                   env=dict(os.environ, CRM_ENV_FILE=str(base / "env")), capture_output=True)


def run_batch(env: dict, source: str, count: int, branch: str, timeout: float) -> tuple[float, int]:
    """Publish `count` customers at once; customers/s until the last one is assigned."""
    watcher = AssignedWatcher(env["AMQP_URI"])
    batch = records(source, count, branch)
    started = time.perf_counter()
    publish(env["UPSTREAM_AMQP_URI"], batch)
    ids = {customer_id(source, r["external_id"]) for r in batch}
    done = watcher.wait_for(ids, timeout)
    elapsed = max(watcher.arrived.get(i, time.perf_counter()) for i in ids) - started
    watcher.close()
    return (len(ids & watcher.arrived.keys()) / elapsed), int(done)


def settle(base: Path, timeout: float = 180) -> None:
    """Wait until the whole stack is idle (`crm drain`): a run measured while the read
    models still work off the previous run's events would charge it their work."""
    done = subprocess.run([str(Path(sys.executable).parent / "crm"), "drain", "--timeout",
                           str(timeout)], env=dict(os.environ, CRM_ENV_FILE=str(base / "env")),
                          capture_output=True, text=True)
    if done.returncode:
        print(f"bench: the stack did not drain: {done.stdout.strip()} {done.stderr.strip()}",
              flush=True)


def run_latency(env: dict, source: str, count: int, rate: float, branch: str) -> list[float]:
    watcher = AssignedWatcher(env["AMQP_URI"])
    sent = publish(env["UPSTREAM_AMQP_URI"], records(source, count, branch), rate=rate)
    watcher.wait_for(set(sent), 600)
    watcher.close()
    return [watcher.arrived[c] - t for c, t in sent.items() if c in watcher.arrived]


def floor_now(env: dict, customers: int) -> float:
    floor = measure_floor(env["AMQP_URI"], env["MONGO_URI"], customers)
    print(f"floor: {floor:.1f} customers/s", flush=True)
    return floor


def profiled_run(env: dict, customers: int) -> dict:
    """A separate small run with the database profiler on (it doubles the writes, so
    it is kept out of the throughput figures): round trips per customer per service
    and the query shapes that cost the most."""
    dbs = dbprofile.service_databases(env)
    dbprofile.set_profiling(dbs, True)
    try:
        run_batch(env, "bench-profiled", customers, "BENCH", 1800)
    finally:
        dbprofile.set_profiling(dbs, False)
    out = {"operations": dbprofile.operations(dbs), "shapes": dbprofile.report(dbs, 8)}
    dbprofile.close(dbs)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=300,
                        help="customers sent through and drained before anything is measured")
    parser.add_argument("--pairs", type=int, default=3,
                        help="bursts of --customers, each measured between two floors; "
                             "the report takes the median paired ratio (tools/bench/pairs.py)")
    parser.add_argument("--stream", type=int, default=200)
    parser.add_argument("--profiled", type=int, default=100,
                        help="customers in the run with the database profiler on")
    parser.add_argument("--list-rows", type=int, default=100_000,
                        help="rows of the list imported with `crm import` (0: skip)")
    parser.add_argument("--list-timeout", type=float, default=4 * 3600,
                        help="seconds the list may take before its figures are reported as is")
    parser.add_argument("--dir", default=str(ROOT / ".local" / "bench"))
    args = parser.parse_args()
    if args.pairs < 1:
        parser.error("--pairs must be at least 1")
    base = Path(args.dir)
    speed = [calibrate.reference()]
    stack = Stack(base)
    stack.down(purge=True)  # the broker's directory too
    env = stack.up()
    try:
        time.sleep(5)
        crm(base, "managers", "add", "--id", "BENCH-FM", "--name", "Bench", "--role",
            "financial_manager", "--branch", "BENCH", "--capacity", "10000000")
        if args.warmup:
            run_batch(env, "bench-warmup", args.warmup, "BENCH", 3600)
        settle(base)
        pids = cpu.stack_pids(base / "pids", stack.node().pid())
        dbs = dbprofile.service_databases(env)
        stored = documents.counts(dbs)
        floors, rates, usages, added = [floor_now(env, args.customers)], [], [], []
        for burst in range(args.pairs):
            before, started = cpu.cpu_seconds(pids), time.perf_counter()
            rate, complete = run_batch(env, f"bench-batch-{burst}", args.customers,
                                       "BENCH", 3600)
            usages.append((cpu.per_customer_ms(before, cpu.cpu_seconds(pids), args.customers),
                           time.perf_counter() - started))
            print(f"pipeline: {rate:.1f} customers/s (complete: {bool(complete)})", flush=True)
            settle(base)  # the read models' documents too
            counted = documents.counts(dbs)
            added.append(documents.lines(stored, counted, args.customers))
            stored = counted
            rates.append(rate)
            floors.append(floor_now(env, args.customers))
        dbprofile.close(dbs)
        paired = Paired(tuple(floors), tuple(rates))
        median = paired.median_burst()
        floor, pipeline, usage = paired.floor_around(median), rates[median], usages[median]
        written = added[median]  # the documents of the burst reported
        print(paired.line(), flush=True)
        print("\n".join(cpu.lines(usage[0], usage[1], args.customers)), flush=True)
        rate = max(pipeline * 0.5, 1.0)
        latencies = run_latency(env, "bench-stream", args.stream, rate, "BENCH")
        stages = stage_seconds(env["METRICS_URLS"].split())
        rss = peak_rss_mb(base / "pids")
        slowest = max(stages, key=stages.get) if stages else "dedup"
        replica = base / "pids" / f"{slowest}-replica.pid"
        from tools.stack.procs import free_port, start_background
        # the environment the stack gives the service itself: its own database server
        # (MONGO_URI_<NAME>), its broker user and the operators it admits (crm drain)
        start_background([sys.executable, "-m", "common.runner", slowest],
                         stack.service_env(slowest, free_port(), env),
                         base / "logs" / "replica.log", replica)
        time.sleep(8)
        scaled, _ = run_batch(env, "bench-scaled", args.customers, "BENCH", 3600)
        stop_pid(replica)
        settle(base)
        profile = profiled_run(env, args.profiled)
        settle(base)
        trips = round(sum(profile["operations"].values()) / args.profiled)
        unbatched = measure_floor(env["AMQP_URI"], env["MONGO_URI"], args.profiled,
                                  unbatched=trips)
        print(f"floor without batching ({trips} round trips/customer): {unbatched:.1f} "
              "customers/s", flush=True)
        listed = run_list_import(env, base, args.list_rows, "BENCH", args.list_timeout,
                                 cpu.stack_pids(base / "pids", stack.node().pid())) \
            if args.list_rows else None
        if listed:
            print(f"list: {listed['assigned']} of {args.list_rows} assigned in "
                  f"{listed['seconds']:.0f} s", flush=True)
        p50, p95, p99 = (percentile(latencies, q) for q in (0.5, 0.95, 0.99))
    finally:
        stack.down(purge=True)
    speed.append(calibrate.reference())  # idle again, like the first timing
    print(report(args, floor, pipeline, rate, (p50, p95, p99), stages, rss, slowest, scaled,
                 profile, unbatched, listed, usage, speed, written, paired))


if __name__ == "__main__":
    main()

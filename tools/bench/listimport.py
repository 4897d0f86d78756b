"""The 100,000-row list: `crm import` of one file, timed until the last customer is
assigned (every bench customer is eligible and its branch has room), with the
batch sizes each stage saw and the cost per customer early and late in the pool.

Cost per customer is the time between assignments: over the first tenth of the list
(a pool of ~10,000 at 100,000 rows) and over the last tenth (~100,000); their ratio
says whether the cost grows with the pool (the target: at most 1.5).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from .cpusampler import CpuSampler, early_late_lines
from .pipeline import AssignedWatcher, customer_id, peak_rss_mb, records, samples

_BATCH = re.compile(r'^crm_batch_size_(sum|count)\{handler="([^"]+)",service="([^"]+)"\} (\S+)$')


def run_list_import(env: dict, base: Path, rows: int, branch: str, timeout: float,
                    pids: dict[str, int] | None = None) -> dict:
    source = "bench-list"
    listed = records(source, rows, branch)
    path = base / "bench-list.json"
    path.write_text(json.dumps([list_row(r) for r in listed]))
    ids = [customer_id(source, r["external_id"]) for r in listed]
    watcher = AssignedWatcher(env["AMQP_URI"])
    with CpuSampler(pids or {}, lambda: len(watcher.arrived)) as sampler:
        started, imported, complete, cut = _import_and_wait(path, source, base, ids, watcher,
                                                            timeout)
    times = sorted(watcher.arrived[i] for i in ids if i in watcher.arrived)
    watcher.close()
    tenth = max(len(times) // 10, 2)
    early = (times[tenth - 1] - times[0]) / (tenth - 1) if len(times) >= tenth else float("nan")
    late = (times[-1] - times[-tenth]) / (tenth - 1) if len(times) >= tenth else float("nan")
    cost = ((sampler.per_customer(times[0], times[tenth - 1]),
             sampler.per_customer(times[-tenth], times[-1])) if len(times) >= tenth else ({}, {}))
    return {"rows": rows, "assigned": len(times), "complete": complete,
            "seconds": (times[-1] - started) if times else float("nan"),
            "import_seconds": imported, "import_cut": cut, "early_ms": early * 1000, "late_ms": late * 1000,
            "cpu_early": cost[0], "cpu_late": cost[1], "cpu_all": sampler.overall(),
            "rss_half": sampler.peak_at(len(times) // 2),
            "batches": batch_sizes(env["METRICS_URLS"].split()), "rss": peak_rss_mb(base / "pids")}


def _import_and_wait(path: Path, source: str, base: Path, ids: list[str],
                     watcher: AssignedWatcher, timeout: float) -> tuple[float, float, bool, bool]:
    """`crm import` the file, then wait for every customer's assignment, both within
    `timeout` -> (started, seconds the import took, all assigned, import cut)."""
    started = time.perf_counter()
    importing = subprocess.Popen([str(Path(sys.executable).parent / "crm"), "import", str(path),
                                  "--source", source, "--imported-by", "bench", "--json"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=dict(os.environ, CRM_ENV_FILE=str(base / "env")))
    cut = False
    try:
        out, err = importing.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:  # the figures so far are still the answer
        importing.kill()
        importing.communicate()
        out, err, cut = "", "", True
    imported = time.perf_counter() - started
    if out and importing.returncode == 0:
        counts = json.loads(out.strip().splitlines()[-1])
    elif out or err:
        raise SystemExit(f"bench: crm import failed: {err.strip()[-400:]}")
    else:
        counts = {"rejected": 0}
    if counts["rejected"]:  # the bench's own rows must all be valid: say so, do not wait
        watcher.close()
        raise SystemExit(f"bench: the list import rejected {counts['rejected']} rows "
                         "(see crm rejects list)")
    complete = watcher.wait_for(set(ids), max(timeout - imported, 1))
    return started, imported, complete, cut


def list_row(record: dict) -> dict:
    """A record as a list file's row: flat columns of the `standard` profile (nested
    fields by their leaf name, one phone per row); `crm import --source` sets the source."""
    row = {k: v for k, v in record.items() if k not in ("source", "phones", "financials")}
    row["phone"] = record["phones"][0]
    row.update(record.get("financials") or {})
    return row


def batch_sizes(metrics_urls: list[str]) -> dict[str, float]:
    """Mean messages per batch per service and handler (the crm_batch_size histogram)."""
    sums: dict[str, float] = {}
    counts: dict[str, float] = {}
    for match in samples(metrics_urls, _BATCH):
        key = f"{match.group(3)}.{match.group(2)}"
        target = sums if match.group(1) == "sum" else counts
        target[key] = target.get(key, 0) + float(match.group(4))
    return {k: sums[k] / counts[k] for k in sums if counts.get(k)}


def lines(result: dict) -> list[str]:
    ratio = result["late_ms"] / result["early_ms"] if result["early_ms"] else float("nan")
    return [
        f"### A {result['rows']:,}-row list (`crm import`, until the last customer is assigned)",
        "", "| measure | value |", "|---|---|",
        f"| customers assigned | {result['assigned']:,} of {result['rows']:,}"
        f"{'' if result['complete'] else ' (timed out)'} |",
        f"| import to last assignment | {result['seconds']:.0f} s "
        f"({result['assigned'] / max(result['seconds'], 1e-9):.1f} customers/s) |",
        f"| `crm import` itself (rows accepted by ingestion) | {result['import_seconds']:.0f} s"
        f"{' (cut at the time limit)' if result.get('import_cut') else ''} |",
        f"| time per customer, first tenth / last tenth of the list | "
        f"{result['early_ms']:.1f} ms / {result['late_ms']:.1f} ms (ratio {ratio:.2f}) |", "",
        *early_late_lines(result.get("cpu_early") or {}, result.get("cpu_late") or {}),
        "Mean batch size per handler: " + (", ".join(
            f"{k} {v:.1f}" for k, v in sorted(result["batches"].items())) or "none"), "",
        "Peak RSS per process after the list (MB): " + ", ".join(
            f"{k} {v:.0f}" for k, v in result["rss"].items()), ""]

"""`make run`'s main job: import the sample lists and roster, send core banking's two quarterly
snapshots (a maintainer leaves in between), wait, print the report and the branch KPIs."""
from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

from tools import demo_campaign

ROOT = Path(__file__).resolve().parent.parent
CRM = str(Path(sys.executable).parent / "crm")
SAMPLES = ROOT / "samples"
# a maintainer who leaves between the two quarters (their customers move to a colleague)
LEAVER = "BJ001-S4"
KPI_PERIOD = "2026Q4"   # the quarter of core banking's second snapshot (tools/samples.py)


def crm(*args: str) -> str:
    result = subprocess.run([CRM, *args], capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"crm {' '.join(args)} failed:\n{result.stderr}{result.stdout}")
    return result.stdout


def section(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 60 - len(title)))


def main() -> None:
    from crm_cli.client import rpc, stack_env
    started = time.monotonic()
    print(crm("managers", "import", str(SAMPLES / "roster.csv")).strip())
    print(crm("import", str(SAMPLES / "branch_list.csv"), "--source", "branch_list",
              "--profile", "branch_cn", "--imported-by", "demo").strip())
    print(crm("import", str(SAMPLES / "head_office.csv"), "--source", "head_office",
              "--imported-by", "demo").strip())
    print(crm("import", str(SAMPLES / "groups.json"), "--source", "group_register",
              "--imported-by", "demo").strip())
    env = stack_env()
    post_snapshot(env, "core_banking_q3.json")
    print("waiting for the pipeline to go idle ...", flush=True)
    crm("drain", "--timeout", "1200")
    print(f"maintainer {LEAVER} leaves:", crm("managers", "deactivate", LEAVER, "--yes").strip())
    post_snapshot(env, "core_banking_q4.json")
    crm("drain", "--timeout", "1200")
    with rpc(timeout=300) as proxy:
        report(proxy)
        demo_campaign.report(proxy, date.today(), section)
    section(f"Maintenance KPIs {KPI_PERIOD} per branch (保 keep, 争 win, 挖 dig, 抢 grab, 培 cultivate)")
    print(crm("kpi", "--period", KPI_PERIOD, "--by", "branch").rstrip())
    elapsed = time.monotonic() - started
    section("How to watch it")
    print(f"pipeline processed the lists in {elapsed:.0f} s")
    print("metrics:", *env.get("METRICS_URLS", "").split(), sep="\n  ")
    print(prometheus_line(env))
    print(f"HTTP intake: {env.get('INTAKE_URL')} as the `local` client: "
          "Authorization: Bearer $INTAKE_TOKEN (.local/env; docs/access-control.md)")
    print("try: .venv/bin/crm status | crm export clusters | crm explain <customer_id> |"
          " crm managers load | crm assignments backlog | crm rejects list | crm notifications list"
          f" | crm kpi --period {KPI_PERIOD} --by maintainer --branch BJ001 | crm campaigns list"
          " | crm calls day | crm leaderboard --week <YYYY-Www>"
          " | crm groups list | crm groups show <group_id>")
    print("stop everything with: make down")


def post_snapshot(env: dict[str, str], name: str) -> None:
    """Send core banking's quarterly holdings snapshot (assets and products as of the end
    of a quarter) through the HTTP intake, as that upstream system would."""
    body = (SAMPLES / name).read_bytes()
    request = urllib.request.Request(env["INTAKE_URL"], data=body, method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {env['INTAKE_TOKEN']}"})
    with urllib.request.urlopen(request, timeout=300) as response:
        results = json.loads(response.read())["results"]
    counts = collections.Counter(r["status"] for r in results)
    print(f"core banking snapshot {name}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


def prometheus_line(env: dict[str, str]) -> str:
    """Where to query the pipeline over time: the stack's Prometheus (PROMETHEUS_URL),
    or why there is none (`make up` goes on without it when it cannot be installed)."""
    url = env.get("PROMETHEUS_URL") or "not running (apt-get install prometheus, then make up)"
    return f"Prometheus (services and RabbitMQ scraped, alert rules loaded): {url}"


def report(proxy) -> None:
    stats = proxy.tiering.stats()
    section("Customers per star level and service band")
    for scheme in ("star", "service_band", "intent"):
        rows = [r for r in stats["tiers"] if r["scheme"] == scheme]
        print(f"{scheme:13}", "  ".join(f"{r['tier']}: {r['customers']}" for r in rows))
    counts = proxy.dedup.counts()
    batches = proxy.ingestion.imports_list()
    received = sum(b.get("received", 0) for b in batches)
    section("Deduplication")
    print(f"{received} list rows -> {counts['customers']} golden customers "
          f"({received - counts['customers']} duplicates merged or rejected), "
          f"{counts['merged_away']} customers merged into others, "
          f"{counts['open_reviews']} possible matches waiting for review, "
          f"{len(proxy.dedup.redlist())} on the red list (no usable contact)")
    section("Assignments per maintainer")
    managers = proxy.assignment.managers_list()
    over = [m for m in managers if m["load"] > m["capacity"]]
    for m in managers:
        print(f"  {m['id']:10} {m['role']:18} {m['load']:4} / {m['capacity']:<4}")
    backlog = proxy.assignment.backlog()
    reasons = collections.Counter(b["reason"] for b in backlog)
    print(f"backlog: {len(backlog)} eligible customers waiting" +
          "".join(f"\n  {n} x {reason}" for reason, n in reasons.most_common()))
    print(f"maintainers above capacity: {len(over)}")
    section("Notifications")
    sent = proxy.notification.notifications_list(None, 100000)
    by_status = collections.Counter(n["status"] for n in sent)
    print(", ".join(f"{k}: {v}" for k, v in by_status.items()) or "none")
    for note in sent[:5]:
        print(f"  [{note['channel']}] to {note['recipient']}: {note['text']}")
    group_report(proxy)
    section("Rejects (kept for repair: crm rejects list)")
    rejects = proxy.ingestion.rejects_list()
    for reason, n in collections.Counter(r["reason"] for r in rejects).most_common():
        example = next(r for r in rejects if r["reason"] == reason)
        print(f"  {n} x {reason}: {'; '.join(example['errors'])[:100]}")
    if not rejects:
        print("  none")


def group_report(proxy) -> None:
    """Group customers (samples/groups.json): members, lead branch, exposure vs limit."""
    section("Group customers (crm groups list)")
    groups = proxy.groups.groups_list()
    for line in groups:
        shown = proxy.groups.group_show(line["group_id"])
        names = ", ".join(m["name"] or m["customer_id"] for m in shown["members"])
        rules = sorted({t["rule"] for t in shown["ties"]})
        print(f"  {line['group_id']}  lead {line['lead_branch'] or '-':6} exposure "
              f"{float(line['exposure']):>16,.2f} of {float(line['limit']):,.2f} "
              f"({line['share_of_limit']:.1%})  by {'/'.join(rules)}\n    {names}")
    if not groups:
        print("  none")


if __name__ == "__main__":
    os.chdir(ROOT)
    main()

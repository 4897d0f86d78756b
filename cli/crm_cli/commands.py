"""Pipeline-wide commands: drain, status, export, rejects, review, tiers, notifications."""
from __future__ import annotations

import json
import sys
import time

from . import clients
from .client import SERVICES, pipeline_queues, rpc, stack_env, statistics_interval
from .drain import DrainWatch
from .drain_probe import Probe
from .output import emit, json_line, paged


def drain(args) -> int:
    """Exit 0 once no queue, handler or outbox holds work, at every poll for more than
    one statistics interval (and at least --quiet-seconds); 1 on time-out, saying on
    stderr what still holds the pipeline."""
    watch = DrainWatch(max(statistics_interval(), args.quiet_seconds))
    deadline = time.monotonic() + args.timeout
    with Probe(rpc_timeout=min(5.0, max(args.timeout, 0.5))) as probe:
        while time.monotonic() < deadline:
            if watch.observe(probe.snapshot()):
                print(f"drained: no queued, unacknowledged, running or unpublished work "
                      f"for {watch.idle_for():.1f}s")
                return 0
            time.sleep(0.5)
    print(f"crm drain: timed out after {args.timeout}s; still holding the pipeline:",
          file=sys.stderr)
    for line in watch.report():
        print(f"  {line}", file=sys.stderr)
    return 1


def status(args) -> int:
    queues = pipeline_queues()
    rows = []
    for name in SERVICES:
        mine = [q for q in queues if _owner(q["name"]) == name]
        consumers = sum(q.get("consumers", 0) for q in mine)
        rows.append({"service": name, "state": "up" if consumers else "DOWN",
                     "consumers": consumers, "queued": sum(q.get("messages", 0) for q in mine),
                     "queues": len(mine)})
    emit(rows, args.json, ["service", "state", "consumers", "queued", "queues"])
    if not args.json:
        print()
        emit([{"queue": q["name"], "ready": q.get("messages_ready", 0),
               "unacked": q.get("messages_unacknowledged", 0), "consumers": q.get("consumers", 0)}
              for q in queues], False)
    return 0 if all(r["state"] == "up" for r in rows) else 3


def _owner(queue: str) -> str:
    """The consuming service of a queue: nameko names them evt-SRC-TYPE--SERVICE.METHOD."""
    if queue.startswith("crm.intake"):
        return "ingestion"
    return queue.split("--")[-1].split(".")[0]


def export(args) -> int:
    with rpc() as proxy:
        call = {"clusters": proxy.dedup.export_clusters, "tiers": proxy.tiering.export_tiers,
                "assignments": proxy.assignment.export_assignments}[args.what]
        for row in paged(call):
            if args.what == "tiers":
                row = {"customer_id": row["customer_id"], "scheme": row["scheme"],
                       "tier": row["tier"]}
            sys.stdout.write(json_line(row))
    return 0


def rejects_list(args) -> int:
    with rpc() as proxy:
        rows = proxy.ingestion.rejects_list()
    emit(rows, args.json, ["id", "channel", "reason", "source", "row", "received_at", "excerpt"])
    return 0


def rejects_show(args) -> int:
    """One reject with its whole raw input, masked: what to correct before a replay."""
    with rpc() as proxy:
        reject = proxy.ingestion.rejects_show(args.id)
    if reject is None:
        raise SystemExit(f"crm: no reject {args.id}")
    if args.json:
        sys.stdout.write(json_line(reject))
    else:
        print(json.dumps(reject, ensure_ascii=False, indent=1))
    return 0


def rejects_replay(args) -> int:
    if bool(args.id) == bool(args.all):
        raise SystemExit("crm rejects replay: give a reject ID or --all")
    corrections = _corrections(args)
    if corrections and args.all:
        raise SystemExit("crm rejects replay: --set/--unset apply to one reject ID")
    with rpc() as proxy:
        outcome = proxy.ingestion.rejects_replay(None if args.all else args.id, corrections)
    for result in outcome.get("results", []):
        if result["status"] == "rejected":
            print(f"{result['id']}: still rejected ({result['reason']}): "
                  f"{'; '.join(result.get('errors', []))}", file=sys.stderr)
    print(f"replayed: {outcome['accepted']} accepted, {outcome['still_rejected']} still rejected")
    return 0 if outcome["still_rejected"] == 0 or args.all else 2


def _corrections(args) -> dict:
    """--set PATH=TEXT (a string), --set-json PATH=JSON (typed), --unset PATH (remove)."""
    fixes: dict = {}
    for option, items in (("--set", args.set or []), ("--set-json", args.set_json or [])):
        for item in items:
            path, sep, value = item.partition("=")
            if not sep or not path:
                raise SystemExit(f"crm rejects replay: {option} wants PATH=VALUE, got {item!r}")
            fixes[path] = json.loads(value) if option == "--set-json" else value
    fixes.update({path: None for path in args.unset or []})
    return fixes


def add_rejects_parsers(rsub) -> None:
    """`crm rejects list|show|replay` (rsub: the `rejects` sub-command parsers)."""
    rl = rsub.add_parser("list")
    rl.add_argument("--json", action="store_true")
    rl.set_defaults(func=rejects_list)
    rs = rsub.add_parser("show", help="one reject with its raw input (masked)")
    rs.add_argument("id")
    rs.add_argument("--json", action="store_true", help="one line")
    rs.set_defaults(func=rejects_show)
    rr = rsub.add_parser("replay")
    rr.add_argument("id", nargs="?")
    rr.add_argument("--all", action="store_true")
    rr.add_argument("--set", action="append", metavar="PATH=TEXT",
                    help="correct a field of the raw record before the replay (repeatable)")
    rr.add_argument("--set-json", action="append", metavar="PATH=JSON",
                    help="like --set, with a JSON value (number, list, true ...)")
    rr.add_argument("--unset", action="append", metavar="PATH", help="remove a field")
    rr.set_defaults(func=rejects_replay)


def _listing(service: str, method: str, columns: list[str]):
    def run(args) -> int:
        with rpc() as proxy:
            rows = getattr(getattr(proxy, service), method)()
        emit(rows, args.json, columns)
        return 0
    return run


def _call(service: str, method: str, *names: str):
    def run(args) -> int:
        with rpc() as proxy:
            result = getattr(getattr(proxy, service), method)(*(getattr(args, n) for n in names))
        print(json.dumps(result, ensure_ascii=False, indent=1, default=str))
        return 0
    return run


def recompute(args) -> int:
    """Page through the pool (`--page` customers per call) with progress on stderr."""
    after, processed, changes = "", 0, 0
    with rpc(timeout=600) as proxy:
        while True:
            page = proxy.tiering.recompute(args.scheme, args.branch, after, args.page)
            processed, changes = processed + page["processed"], changes + page["changes"]
            print(f"\rrecompute: {processed} customers, {changes} tier changes", end="",
                  file=sys.stderr, flush=True)
            if not page["next_after"]:
                break
            after = page["next_after"]
    print(file=sys.stderr)
    print(json.dumps({"processed": processed, "changes": changes}))
    return 0


def tiers_reload(args) -> int:
    """Send the file's text (the service validates; invalid rules keep the old ones)."""
    with open(args.file, encoding="utf-8") as handle:
        text = handle.read()
    with rpc() as proxy:
        active = proxy.tiering.reload_rules(text)
    print(f"rules version {active['version']} active (seq {active['seq']}); "
          "run `crm tiers recompute` to re-tier existing customers")
    return 0


def tiers_rules(args) -> int:
    with rpc() as proxy:
        print(json.dumps(proxy.tiering.active_rules(), ensure_ascii=False))
    return 0


def tiers_stats(args) -> int:
    with rpc() as proxy:
        result = proxy.tiering.stats(args.branch, args.days)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    emit(result["tiers"], False, ["scheme", "tier", "customers"])
    print(f"\nmoves in the last {args.days} days")
    emit(result["moves"], False, ["scheme", "direction", "count"])
    return 0


def explain_customer(args) -> int:
    with rpc() as proxy:
        result = proxy.tiering.explain(args.customer_id)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, default=str))
        return 0
    if not result["tiers"] and not result["history"]:
        print(f"crm explain: no tiers recorded for {args.customer_id}", file=sys.stderr)
        return 1
    print(f"customer {result['customer_id']}" + (
        f" (merged into {result['merged_into']})" if result.get("merged_into") else ""))
    for scheme, tier in sorted(result["tiers"].items()):
        print(f"  {scheme}: {tier['tier']}  [rules {tier['rules_version']}]")
        print(f"    why: {tier['reason']}")
        print(f"    figures: {json.dumps(tier.get('figures') or {}, ensure_ascii=False)}")
    print("history")
    emit(result["history"], False, ["at", "scheme", "previous", "current", "direction",
                                    "rules_version", "reason"])
    return 0


def add_parsers(sub) -> None:
    clients.add_parsers(sub)
    rejects = sub.add_parser("rejects", help="records kept for repair")
    add_rejects_parsers(rejects.add_subparsers(dest="action", required=True))

    def listing(parent, name, service, method, columns, help_text):
        p = parent.add_parser(name, help=help_text)
        p.add_argument("--json", action="store_true")
        p.set_defaults(func=_listing(service, method, columns))

    review = sub.add_parser("review", help="possible duplicates waiting for a person")
    rsub = review.add_subparsers(dest="action", required=True)
    listing(rsub, "list", "dedup", "reviews_list",
            ["id", "record_id", "candidate_id", "score", "status"], "open reviews")
    for verb in ("accept", "reject"):
        p = rsub.add_parser(verb)
        p.add_argument("id")
        p.set_defaults(func=_call("dedup", f"review_{verb}", "id"))

    unmerge = sub.add_parser("unmerge", help="split a record out of a golden customer")
    unmerge.add_argument("customer_id")
    unmerge.add_argument("member", help="SOURCE:EXTERNAL_ID")
    unmerge.set_defaults(func=_call("dedup", "unmerge", "customer_id", "member"))

    listing(sub, "redlist", "dedup", "redlist", ["customer_id", "branch", "members"],
            "golden customers without usable contact (data repair)")

    tiers = sub.add_parser("tiers", help="tier statistics, rules reload and recomputation")
    tsub = tiers.add_subparsers(dest="action", required=True)
    rc = tsub.add_parser("recompute", help="re-tier the pool after a rules change")
    rc.add_argument("--scheme")
    rc.add_argument("--branch")
    rc.add_argument("--page", type=int, default=1000, help="customers per RPC call")
    rc.set_defaults(func=recompute)
    st = tsub.add_parser("stats", help="customers per tier, moves up and down in a period")
    st.add_argument("--branch")
    st.add_argument("--days", type=int, default=30)
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=tiers_stats)
    rl = tsub.add_parser("reload", help="validate and activate a rules document (YAML)")
    rl.add_argument("--file", required=True, help="rules YAML, e.g. a copy of rules.yaml")
    rl.set_defaults(func=tiers_reload)
    ru = tsub.add_parser("rules", help="which rules document is active")
    ru.set_defaults(func=tiers_rules)

    explain = sub.add_parser("explain", help="each scheme's tier, the rule behind it, history")
    explain.add_argument("customer_id")
    explain.add_argument("--json", action="store_true")
    explain.set_defaults(func=explain_customer)

    notes = sub.add_parser("notifications", help="what went out, what failed")
    nsub = notes.add_subparsers(dest="action", required=True)
    listing(nsub, "list", "notification", "notifications_list",
            ["event_id", "recipient", "channel", "status", "text"], "every notification")
    failed = nsub.add_parser("failed")
    failed.add_argument("--json", action="store_true")
    failed.set_defaults(func=lambda a: _failed(a))
    retry = nsub.add_parser("retry")
    retry.add_argument("id", nargs="?")
    retry.add_argument("--all", action="store_true")
    retry.set_defaults(func=lambda a: _retry(a))

    parked = sub.add_parser("parked", help="messages a service could not handle")
    psub = parked.add_subparsers(dest="action", required=True)
    pl = psub.add_parser("list")
    pl.add_argument("service", choices=SERVICES)
    pl.add_argument("--json", action="store_true")
    pl.set_defaults(func=lambda a: _parked_list(a))
    pr = psub.add_parser("replay")
    pr.add_argument("service", choices=SERVICES)
    pr.add_argument("id", nargs="?")
    pr.set_defaults(func=lambda a: _parked_replay(a))


def _failed(args) -> int:
    with rpc() as proxy:
        rows = proxy.notification.notifications_list("failed")
    emit(rows, args.json, ["id", "event_id", "recipient", "channel", "attempts", "error"])
    return 0


def _retry(args) -> int:
    """Resend one failed notification, or every one with --all (never all by accident)."""
    if not args.id and not args.all:
        raise SystemExit("crm notifications retry: give a notification ID or --all")
    with rpc() as proxy:
        count = proxy.notification.notifications_retry(None if args.all else args.id)
    print(f"requeued {count} failed notification(s)")
    return 0


def _parked_list(args) -> int:
    with rpc() as proxy:
        rows = getattr(proxy, args.service).parked_list()
    emit(rows, args.json)
    return 0


def _parked_replay(args) -> int:
    with rpc() as proxy:
        count = getattr(proxy, args.service).parked_replay(args.id)
    print(f"replayed {count} parked message(s)")
    return 0

"""Pipeline-wide commands: drain, status, export, rejects, review, tiers, notifications."""
from __future__ import annotations

import json
import sys
import time

from .client import SERVICES, pipeline_queues, rpc, stack_env
from .output import emit, paged


def drain(args) -> int:
    """Exit 0 once every pipeline queue is empty (ready and unacked) for quiet-seconds."""
    deadline = time.monotonic() + args.timeout
    quiet_since = None
    while time.monotonic() < deadline:
        busy = sum(q.get("messages", 0) or 0 for q in pipeline_queues())
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= args.quiet_seconds:
            print("drained: every pipeline queue is empty")
            return 0
        time.sleep(0.5)
    print(f"crm drain: timed out after {args.timeout}s with messages still queued",
          file=sys.stderr)
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
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0


def rejects_list(args) -> int:
    with rpc() as proxy:
        rows = proxy.ingestion.rejects_list()
    emit(rows, args.json, ["id", "channel", "reason", "source", "row", "received_at", "excerpt"])
    return 0


def rejects_replay(args) -> int:
    if not args.id and not args.all:
        raise SystemExit("crm rejects replay: give a reject ID or --all")
    with rpc() as proxy:
        outcome = proxy.ingestion.rejects_replay(None if args.all else args.id)
    print(f"replayed: {outcome['accepted']} accepted, {outcome['still_rejected']} still rejected")
    return 0


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
    after, processed, changes = "", 0, 0
    with rpc(timeout=600) as proxy:
        while True:
            page = proxy.tiering.recompute(args.scheme, args.branch, after, 500)
            processed, changes = processed + page["processed"], changes + page["changes"]
            print(f"\rrecompute: {processed} customers, {changes} tier changes", end="",
                  file=sys.stderr, flush=True)
            if not page["next_after"]:
                break
            after = page["next_after"]
    print(file=sys.stderr)
    print(json.dumps({"processed": processed, "changes": changes}))
    return 0


def add_parsers(sub) -> None:
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

    tiers = sub.add_parser("tiers", help="tier statistics and recomputation")
    tsub = tiers.add_subparsers(dest="action", required=True)
    rc = tsub.add_parser("recompute")
    rc.add_argument("--scheme")
    rc.add_argument("--branch")
    rc.set_defaults(func=recompute)
    st = tsub.add_parser("stats")
    st.add_argument("--branch")
    st.add_argument("--days", type=int, default=30)
    st.set_defaults(func=_call("tiering", "stats", "branch", "days"))

    explain = sub.add_parser("explain", help="each scheme's tier, the rule behind it, history")
    explain.add_argument("customer_id")
    explain.set_defaults(func=_call("tiering", "explain", "customer_id"))

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
    retry.set_defaults(func=_call("notification", "notifications_retry", "id"))

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

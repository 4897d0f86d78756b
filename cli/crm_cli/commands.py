"""Pipeline-wide commands: drain, status, export, review, redlist, notifications, parked."""
from __future__ import annotations

import json
import sys
import time

from . import clients, kpi, rejects, reviews, tiers
from .client import SERVICES, pipeline_queues, rpc, statistics_interval
from .drain import DrainWatch
from .drain_probe import Probe
from .exits import FAILED, TIMED_OUT, UsageError
from .listing import add_options, ask, show
from .output import emit, json_line, paged
from .parsers import command, group
from .progress import wanted, watching


def drain(args) -> int:
    """Exit 0 once no queue, handler or outbox holds work, at every poll for more than
    one statistics interval (and at least --quiet-seconds); 5 on time-out, saying on
    stderr what still holds the pipeline. Either way it says what it waited for."""
    watch = DrainWatch(max(statistics_interval(), args.quiet_seconds))
    started = time.monotonic()
    deadline = started + args.timeout
    with Probe(rpc_timeout=min(5.0, max(args.timeout, 0.5))) as probe, \
            watching(wanted(), deadline) as shown:
        while time.monotonic() < deadline:
            if watch.observe(probe.snapshot()):
                print(f"drained after {time.monotonic() - started:.1f}s: no queued, "
                      f"unacknowledged, running or unpublished work for "
                      f"{watch.idle_for():.1f}s; {watch.summary()}")
                return 0
            shown(watch)
            time.sleep(0.5)
    print(f"crm drain: timed out after {args.timeout}s; still holding the pipeline:",
          file=sys.stderr)
    for line in watch.report():
        print(f"  {line}", file=sys.stderr)
    print(f"crm drain: {watch.summary()}", file=sys.stderr)
    return TIMED_OUT


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
        show([{"queue": q["name"], "ready": q.get("messages_ready", 0),
               "unacked": q.get("messages_unacknowledged", 0), "consumers": q.get("consumers", 0)}
              for q in queues], args, what="queues")
    return 0 if all(r["state"] == "up" for r in rows) else FAILED


def _owner(queue: str) -> str:
    """The consuming service of a queue: nameko names them evt-SRC-TYPE--SERVICE.METHOD."""
    if queue.startswith("crm.intake"):
        return "ingestion"
    return queue.split("--")[-1].split(".")[0]


def export(args) -> int:
    """JSON lines, streamed page by page (--json changes nothing: it is the only form)."""
    written = 0
    with rpc() as proxy:
        call = {"clusters": proxy.dedup.export_clusters, "tiers": proxy.tiering.export_tiers,
                "assignments": proxy.assignment.export_assignments}[args.what]
        for row in paged(call, page=min(5000, ask(args.limit)) if args.limit else 5000):
            if args.limit is not None and written == args.limit:
                print(f"crm: showing the first {written} {args.what}; there are more "
                      "(pass a higher --limit)", file=sys.stderr)
                break
            if args.what == "tiers":
                row = {"customer_id": row["customer_id"], "scheme": row["scheme"],
                       "tier": row["tier"]}
            sys.stdout.write(json_line(row))
            written += 1
    return 0


def _listing(service: str, method: str, columns: list[str], *, limited: bool = False):
    """A listing RPC shown with --json/--limit (`limited`: the RPC takes a limit)."""
    def run(args) -> int:
        with rpc() as proxy:
            call = getattr(getattr(proxy, service), method)
            rows = call(limit=ask(args.limit)) if limited else call()
        show(rows, args, columns)
        return 0
    return run


def _call(service: str, method: str, *names: str):
    def run(args) -> int:
        with rpc() as proxy:
            result = getattr(getattr(proxy, service), method)(*(getattr(args, n) for n in names))
        print(json.dumps(result, ensure_ascii=False, indent=1, default=str))
        return 0
    return run


def add_parsers(sub) -> None:
    clients.add_parsers(sub)
    rejects.add_parsers(sub)
    tiers.add_parsers(sub)
    kpi.add_parsers(sub)
    rsub = group(sub, "review", "possible duplicates waiting for a person")
    listing = command(rsub, "list", "open reviews, oldest first", "crm review list",
                      "crm review list --json --limit 50")
    add_options(listing, what="reviews")
    listing.set_defaults(func=_listing("dedup", "reviews_list",
                                       ["id", "record_id", "candidate_id", "score", "status"]))
    for verb, meaning in (("accept", "the two are one person: merge them"),
                          ("reject", "the two are different people: keep both")):
        p = command(rsub, verb, meaning, f"crm review {verb} RV3f2a9c0d1e2b4a5c")
        p.add_argument("id", help="the review id from `crm review list` (quote an older "
                                  "id of the form 'record>candidate')")
        p.set_defaults(func=_call("dedup", f"review_{verb}", "id"))
    reviews.add_parsers(rsub, sub)

    unmerge = command(sub, "unmerge", "split a record out of a golden customer",
                      "crm unmerge C-0001 branch_cn:A-1001")
    unmerge.add_argument("customer_id", help="the golden customer holding the record")
    unmerge.add_argument("member", help="the record to split out, as SOURCE:EXTERNAL_ID")
    unmerge.set_defaults(func=_call("dedup", "unmerge", "customer_id", "member"))

    red = command(sub, "redlist", "golden customers without usable contact (data repair)",
                  "crm redlist --limit 20")
    add_options(red, what="customers")
    red.set_defaults(func=_listing("dedup", "redlist", ["customer_id", "branch", "members"]))

    add_notification_parsers(group(sub, "notifications", "what went out, what failed"))
    add_parked_parsers(group(sub, "parked", "messages a service could not handle"))


def add_notification_parsers(nsub) -> None:
    every = command(nsub, "list", "every notification, oldest first",
                    "crm notifications list --limit 100")
    add_options(every, what="notifications")
    every.set_defaults(func=_listing("notification", "notifications_list",
                                     ["event_id", "recipient", "channel", "status", "text"],
                                     limited=True))
    failed = command(nsub, "failed", "notifications that could not be delivered",
                     "crm notifications failed --json")
    add_options(failed, what="notifications")
    failed.set_defaults(func=_failed)
    retry = command(nsub, "retry", "send failed notifications again",
                    "crm notifications retry 65a1f0c2e4b0a1b2c3d4e5f6",
                    "crm notifications retry --all")
    retry.add_argument("id", nargs="?", help="one notification id from `crm notifications "
                                             "failed`")
    retry.add_argument("--all", action="store_true", help="every failed notification")
    retry.set_defaults(func=_retry)


def add_parked_parsers(psub) -> None:
    pl = command(psub, "list", "a service's parked messages", "crm parked list tiering")
    pl.add_argument("service", choices=SERVICES, help="whose parked messages")
    add_options(pl, what="messages")
    pl.set_defaults(func=_parked_list)
    pr = command(psub, "replay", "run parked messages through their handler again",
                 "crm parked replay tiering", "crm parked replay tiering 65a1f0c2e4b0")
    pr.add_argument("service", choices=SERVICES, help="whose parked messages")
    pr.add_argument("id", nargs="?", help="one parked message (default: all of them)")
    pr.set_defaults(func=_parked_replay)


def _failed(args) -> int:
    with rpc() as proxy:
        rows = proxy.notification.notifications_list("failed", ask(args.limit))
    show(rows, args, ["id", "event_id", "recipient", "channel", "attempts", "error"])
    return 0


def _retry(args) -> int:
    """Resend one failed notification, or every one with --all (never all by accident)."""
    if bool(args.id) == bool(args.all):
        raise UsageError("crm notifications retry: give one notification ID or --all")
    with rpc() as proxy:
        count = proxy.notification.notifications_retry(None if args.all else args.id)
    print(f"requeued {count} failed notification(s)")
    return 0


def _parked_list(args) -> int:
    with rpc() as proxy:
        rows = getattr(proxy, args.service).parked_list(ask(args.limit))
    show(rows, args)
    return 0


def _parked_replay(args) -> int:
    with rpc() as proxy:
        count = getattr(proxy, args.service).parked_replay(args.id)
    print(f"replayed {count} parked message(s)")
    return 0

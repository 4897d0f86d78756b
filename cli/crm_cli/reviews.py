"""`crm review show|report` and `crm explain-merge`: what a review or a merge was based on.

dedup keeps, with every review and automatic merge, the evidence of the decision
(per comparison the masked values of both sides, the level, the weight; the total and
the thresholds). `review show` prints one review with its two customers side by
side; `review report --html FILE` writes one self-contained page of the open reviews
(review_html.py); `explain-merge` lists what was merged into a customer and why.
Personal values are masked unless an officer passes --unmasked (viewers always get
them masked).
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from .client import rpc
from .listing import positive_int
from .output import print_table, table
from .parsers import command
from .review_html import FIELDS, page
from .single import show_one

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def age_seconds(text: str) -> int:
    """`--older-than`: 90, 90s, 30m, 2h, 3d or 1w -> seconds."""
    found = _AGE.match(text or "")
    if not found:
        raise argparse.ArgumentTypeError(f"{text!r}: an age such as 30m, 2h, 3d or 1w")
    return int(float(found.group(1)) * _UNIT[found.group(2)])


def evidence_lines(view: dict) -> None:
    """The evidence table and where the score fell (shared by show and explain-merge)."""
    decision = view.get("decision") or {}
    print(view.get("why"))
    if decision:
        t = decision.get("thresholds") or {}
        print(f"{decision.get('model')} parameters: prior {decision.get('prior')} + weights "
              f"= {decision.get('total')} bits; score {view.get('score')} (review at "
              f"{t.get('review')}, match at {t.get('match')})")
    rows = [{"comparison": r["comparison"],
             "level": r["level"] if r.get("level") is not None else r.get("similarity"),
             "weight": r["weight"], "record": r["record"], "candidate": r["candidate"]}
            for r in view.get("evidence") or []]
    if rows:
        print_table(table(rows, ["comparison", "level", "weight", "record", "candidate"]))


def show(args) -> int:
    return show_one(args, lambda proxy: proxy.dedup.review_show(args.id, args.unmasked), _show)


def _show(view: dict) -> None:
    print(f"review {view['id']} ({view['status']}): record {view['record_id']}, "
          f"branch {view.get('branch') or '-'}, opened {view.get('opened_at')}")
    a, b = view["customer"], view["candidate"]
    print_table(table([{"field": f, "customer": a.get(f), "candidate": b.get(f)}
                       for f in ("customer_id", *FIELDS)], ["field", "customer", "candidate"]))
    evidence_lines(view)


def report(args) -> int:
    with rpc() as proxy:
        views = proxy.dedup.reviews_report(args.branch, args.older_than, args.limit,
                                           args.unmasked)
    title = "Open reviews" + (f", branch {args.branch}" if args.branch else "")
    Path(args.html).write_text(page(views, title), encoding="utf-8")
    print(f"wrote {len(views)} open review(s) to {args.html}")
    if len(views) == args.limit:
        print(f"crm: showing the first {args.limit} reviews; there are more "
              "(pass a higher --limit)", file=sys.stderr)
    return 0


def explain_merge(args) -> int:
    return show_one(args, lambda proxy: proxy.dedup.explain_merge(args.customer_id), _history)


def _history(history: dict) -> None:
    print(f"customer {history['customer_id']} ({history['state']}); "
          f"absorbed: {', '.join(history['merged_ids']) or 'none'}")
    if not history["merges"]:
        print("no merge into it on record (merges from before evidence was kept "
              "are not listed)")
    for merge in history["merges"]:
        how = "by review " if merge["kind"] == "review" else "automatically "
        print(f"\n{merge['record_id']} merged {how}into {merge['customer_id']} at "
              f"{merge['at']} (matched {merge['matched_id']}, absorbed "
              f"{', '.join(merge['absorbed_ids']) or 'nobody'})")
        evidence_lines(merge)


def add_parsers(rsub, sub) -> None:
    """`review show`, `review report` under `crm review`; `explain-merge` at the top."""
    s = command(rsub, "show", "one review: both customers side by side and the evidence",
                "crm review show RV3f2a9c0d1e2b4a5c", "crm review show RV3f2a9c0d1e2b4a5c --json")
    s.add_argument("id", help="the review id from `crm review list`")
    s.add_argument("--json", action="store_true", help="the review as one JSON object")
    s.add_argument("--unmasked", action="store_true",
                   help="names and birth dates in clear (officers; viewers always see masks)")
    s.set_defaults(func=show)
    r = command(rsub, "report", "an HTML page of the open reviews with match-weight charts",
                "crm review report --html reviews.html",
                "crm review report --html bj01.html --branch BJ01 --older-than 3d")
    r.add_argument("--html", required=True, help="the file to write (one self-contained page)")
    r.add_argument("--branch", default="", help="only reviews of this branch")
    r.add_argument("--older-than", type=age_seconds, default=0,
                   help="only reviews opened at least this long ago (30m, 2h, 3d, 1w)")
    r.add_argument("--limit", type=positive_int, default=200,
                   help="at most this many, up to 500 (default 200)")
    r.add_argument("--unmasked", action="store_true",
                   help="names and birth dates in clear (officers; viewers always see masks)")
    r.set_defaults(func=report)
    e = command(sub, "explain-merge", "which records were merged into a customer, and why",
                "crm explain-merge C1a2b3c4d5e6f7a8b", "crm explain-merge C1a2b3c4d5e6f7a8b --json")
    e.add_argument("customer_id", help="a golden customer id")
    e.add_argument("--json", action="store_true", help="the history as one JSON object")
    e.set_defaults(func=explain_merge)


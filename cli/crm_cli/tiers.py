"""`crm tiers recompute|stats|reload|rules` and `crm explain CUSTOMER_ID`."""
from __future__ import annotations

import json
import sys

from .client import rpc
from .exits import FAILED
from .listing import positive_int
from .output import emit, plain_json_line
from .parsers import command, group
from .progress import bar, wanted
from .single import show_one


def recompute(args) -> int:
    """Page through the pool (`--page` customers per call); a bar on stderr in a
    terminal, the totals as one JSON line on stdout."""
    after, changes = "", 0
    show = wanted()
    with rpc(timeout=600) as proxy:
        estimate = _pool_estimate(proxy, args.scheme, args.branch) if show else None
        with bar("recompute", estimate, show) as progress:
            while True:
                page = proxy.tiering.recompute(args.scheme, args.branch, after, args.page)
                changes += page["changes"]
                progress.advance(page["processed"], note=f"{changes} tier changes")
                if not page["next_after"]:
                    break
                after = page["next_after"]
            progress.finish()
    print(json.dumps({"processed": progress.done, "changes": changes}))
    return 0


def _pool_estimate(proxy, scheme: str | None, branch: str | None) -> int | None:
    """About how many customers a recompute walks: those tiered in the largest scheme
    (tiering counts them in one aggregation); None when nobody is tiered yet."""
    per_scheme: dict[str, int] = {}
    for row in proxy.tiering.stats(branch, 1)["tiers"]:
        if scheme in (None, row["scheme"]):
            per_scheme[row["scheme"]] = per_scheme.get(row["scheme"], 0) + row["customers"]
    return max(per_scheme.values(), default=0) or None


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
    return show_one(args, lambda proxy: proxy.tiering.stats(args.branch, args.days),
                    lambda result: _stats(result, args.days), encode=plain_json_line)


def _stats(result: dict, days: int) -> None:
    emit(result["tiers"], False, ["scheme", "tier", "customers"])
    print(f"\nmoves in the last {days} days")
    emit(result["moves"], False, ["scheme", "direction", "count"])


def explain_customer(args) -> int:
    return show_one(args, lambda proxy: proxy.tiering.explain(args.customer_id),
                    lambda result: _explained(result, args.customer_id), encode=plain_json_line)


def _explained(result: dict, customer_id: str) -> int:
    """Each scheme's tier with why and on which figures, then the history; exit 1 when
    nothing is recorded for the customer."""
    if not result["tiers"] and not result["history"]:
        print(f"crm explain: no tiers recorded for {customer_id}", file=sys.stderr)
        return FAILED
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
    tsub = group(sub, "tiers", "tier statistics, rules reload and recomputation")
    rc = command(tsub, "recompute", "re-tier the pool after a rules change",
                 "crm tiers recompute", "crm tiers recompute --scheme star --branch BJ01")
    rc.add_argument("--scheme", help="only this tiering scheme (default: every scheme)")
    rc.add_argument("--branch", help="only this branch's customers (default: all)")
    rc.add_argument("--page", type=positive_int, default=1000, metavar="N",
                    help="about N customers per RPC call (default 1000)")
    rc.set_defaults(func=recompute)
    st = command(tsub, "stats", "customers per tier, moves up and down in a period",
                 "crm tiers stats --branch BJ01 --days 7")
    st.add_argument("--branch", help="only this branch (default: all)")
    st.add_argument("--days", type=positive_int, default=30,
                    help="the period for the moves, in days back from today (default 30)")
    st.add_argument("--json", action="store_true", help="tiers and moves as one JSON line")
    st.set_defaults(func=tiers_stats)
    rl = command(tsub, "reload", "validate and activate a rules document (YAML)",
                 "crm tiers reload --file rules.yaml")
    rl.add_argument("--file", required=True, help="rules YAML, e.g. a copy of rules.yaml")
    rl.set_defaults(func=tiers_reload)
    ru = command(tsub, "rules", "which rules document is active (one JSON line)",
                 "crm tiers rules")
    ru.set_defaults(func=tiers_rules)

    explain = command(sub, "explain", "each scheme's tier, the rule behind it, history",
                      "crm explain C-0001", "crm explain C-0001 --json")
    explain.add_argument("customer_id", help="a golden customer id (from `crm export "
                                             "clusters`)")
    explain.add_argument("--json", action="store_true", help="the answer as one JSON line")
    explain.set_defaults(func=explain_customer)

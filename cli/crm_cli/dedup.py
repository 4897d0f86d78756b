"""`crm dedup train [--sample N]` and `crm dedup params [--json] [--version N]`.

Training learns dedup's match weights from the current pool without labels (u from
random pairs, m by expectation-maximisation over blocked pairs, term frequencies)
and stores them as a new parameter version, which dedup uses from its next batch on.
`params` shows the weight of every comparison level, like Splink's match-weights
chart: a bar per level, right of the axis for evidence of one person, left against.
"""
from __future__ import annotations

import getpass

from .parsers import command, group
from .single import show_one

BAR_SCALE = 2.0   # characters per bit of match weight
BAR_MAX = 20


def train(args) -> int:
    return show_one(args, lambda proxy: proxy.dedup.train(args.sample,
                                                          args.by or getpass.getuser()),
                    _trained, timeout=args.timeout)


def _trained(result: dict) -> None:
    sessions = ", ".join(f"{s['blocked_on']}: {s['pairs']} pairs" for s in result["sessions"])
    print(f"trained parameter version {result['version']} on {result['records']} records "
          f"({result['random_pairs']} random pairs for u; EM over {sessions}); "
          f"prior {result['lambda']:.3g}")


def _bar(weight: float | None) -> str:
    if weight is None:
        return ""
    n = min(BAR_MAX, int(round(abs(weight) * BAR_SCALE)))
    left = ("#" * n).rjust(BAR_MAX) if weight < 0 else " " * BAR_MAX
    right = "#" * n if weight > 0 else ""
    return f"{left}|{right}"


def chart(result: dict) -> list[str]:
    """The match-weights chart as text lines."""
    if result["learned"]:
        head = (f"parameter version {result['version']} (newest {result['newest']}), trained "
                f"{result['trained_at']} on {result['training'].get('records')} records")
    else:
        head = "hand-set parameters (version 0: no model trained yet)"
    lines = [head, "thresholds: " + ", ".join(f"{k} {v}" for k, v in
                                               result["thresholds"].items()), ""]
    lines.append(f"{'comparison':<12} {'level':<28} {'weight':>8}  {'m':>9} {'u':>11}  chart")
    for row in result["weights"]:
        m, u, w = row.get("m"), row.get("u"), row.get("weight")
        tf = " (tf)" if row.get("tf_adjusted") else ""
        lines.append(f"{row['comparison']:<12} {row['level'] + tf:<28} "
                     f"{w if w is not None else '':>8}  {'' if m is None else f'{m:.4f}':>9} "
                     f"{'' if u is None else f'{u:.3g}':>11}  {_bar(w)}")
    return lines


def params(args) -> int:
    return show_one(args, lambda proxy: proxy.dedup.params(args.version),
                    lambda result: print("\n".join(chart(result))))


def add_parsers(sub) -> None:
    actions = group(sub, "dedup", "dedup's learned match weights: train, show")
    t = command(actions, "train", "learn match weights from the current pool (a new "
                "parameter version; admins only)", "crm dedup train --sample 50000")
    t.add_argument("--sample", type=int, default=20000,
                   help="random record pairs for the u probabilities (default 20000)")
    t.add_argument("--by", default="", help="ignored: the version records the operator "
                   "who ran the command")
    t.add_argument("--timeout", type=float, default=600,
                   help="seconds to wait for the training to finish (default 600)")
    t.add_argument("--json", action="store_true", help="the result as one JSON object")
    t.set_defaults(func=train)
    p = command(actions, "params", "match weight per comparison level",
                "crm dedup params", "crm dedup params --version 2 --json")
    p.add_argument("--json", action="store_true", help="the parameters as one JSON object")
    p.add_argument("--version", type=int, default=0, help="a stored version (default: newest)")
    p.set_defaults(func=params)

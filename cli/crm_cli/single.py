"""`--json` for every command that prints one object (a review, a campaign, a group,
a customer's tiers, ...), as crm_cli.listing is for listings: one service call, then
the answer as one JSON line for programs, or the command's own text for people.
"""
from __future__ import annotations

import sys
from typing import Any, Callable

from .client import RPC_TIMEOUT, rpc
from .exits import Failed
from .output import json_line


def show_one(args, fetch: Callable[[Any], Any], explain: Callable[[Any], int | None], *,
             timeout: float = RPC_TIMEOUT, missing: str | None = None,
             encode: Callable[[Any], str] = json_line) -> int:
    """Call `fetch(proxy)`; print its answer with `encode` (--json) or with `explain`,
    whose return is the exit code (None: 0). `missing`: when the service answers None,
    the message of the failure (exit 1), in either form."""
    with rpc(timeout) as proxy:
        result = fetch(proxy)
    if result is None and missing is not None:
        raise Failed(missing)
    if args.json:
        sys.stdout.write(encode(result))
        return 0
    return explain(result) or 0

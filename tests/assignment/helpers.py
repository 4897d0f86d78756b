"""Small waiting and lookup helpers shared by the assignment and notification tests."""
from __future__ import annotations

import time
from typing import Callable


def eventually(check: Callable[[], object], timeout: float = 60, every: float = 0.5):
    """Call check until it returns something truthy (returned) or the time is up (raises)."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout}s (last: {last!r})")


def customer_ids(stack, records: list[dict]) -> dict[str, str]:
    """external_id -> golden customer id, waiting until dedup knows every record."""
    wanted = {r["external_id"] for r in records}

    def lookup():
        found = {}
        for cluster in stack.crm_json("export", "clusters"):
            for member in cluster["members"]:
                if member["external_id"] in wanted:
                    found[member["external_id"]] = cluster["customer_id"]
        return found if set(found) == wanted else None
    return eventually(lookup, 120, 1)


def assignments(stack, branch: str) -> dict[str, dict]:
    return {a["customer_id"]: a for a in stack.crm_json("export", "assignments")
            if a.get("branch") == branch}


def managers(stack, branch: str) -> dict[str, dict]:
    return {m["id"]: m for m in stack.crm_json("managers", "list", "--branch", branch, "--json")}


def backlog(stack, branch: str) -> list[dict]:
    return [b for b in stack.crm_json("assignments", "backlog", "--json")
            if b.get("branch") == branch]


def add_manager(stack, mid: str, role: str, branch: str, capacity: int = 10,
                name: str | None = None) -> None:
    stack.crm("managers", "add", "--id", mid, "--name", name or f"Staff {mid}", "--role", role,
              "--branch", branch, "--capacity", str(capacity))

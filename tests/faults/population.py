"""Distinct people for one fault scenario, and the exact account of where they ended.

Each scenario gets its own branch, its own maintainers and its own range of people
(unique resident IDs, phones, names), so scenarios sharing one stack never merge or
count each other's customers. Capacity is set below the population on purpose: some
customers are assigned (and notified), the rest wait in the backlog, so both ends of
the account are exercised.
"""
from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金陶姜"  # no homophones
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰"
SCHEMES = {"star", "service_band", "intent"}
SLOT = 20_000  # people per scenario range: room for CRM_FAULT_SIZE=10000 twice over


def fault_size(default: int = 300) -> int:
    """CI size; the issue's full size is `CRM_FAULT_SIZE=10000 make test-faults`."""
    return int(os.environ.get("CRM_FAULT_SIZE", default))


def _name(g: int) -> str:
    digits, n = [], g
    for _ in range(3):
        n, d = divmod(n, len(GIVEN))
        digits.append(GIVEN[d])
    return SURNAMES[n % len(SURNAMES)] + "".join(digits)


def _national_id(g: int) -> tuple[str, date]:
    """Unique per g; the birth date differs within a scenario, so fuzzy name + birth
    date matching never pairs two of its people."""
    born = date(1940, 1, 1) + timedelta(days=g % SLOT)
    body = f"110101{born:%Y%m%d}{(g // SLOT) % 1000:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS)) % 11], born


@dataclass
class Population:
    """N intake records of scenario `slot`, in branch `branch`, maintained by `managers`."""
    name: str
    slot: int
    size: int
    branch: str = ""
    managers: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.branch = self.branch or f"FT{self.slot:02d}"
        self.managers = [f"{self.branch}-M{i}" for i in (1, 2)]

    def records(self) -> list[dict]:
        out = []
        for n in range(self.size):
            g = self.slot * SLOT + n
            nid, born = _national_id(g)
            out.append({
                "source": "core", "external_id": f"{self.branch}-{n}", "name": _name(g),
                "national_id": nid, "birth_date": born.isoformat(),
                "phones": [f"139{g:08d}"], "branch": self.branch,
                "registered_by": self.managers[n % 2], "registered_at": "2025-01-01T09:00:00",
                "financials": {"avg_daily_assets": 250000, "has_relationship": True,
                               "as_of": "2026-10-31"},
                "intent": {"willingness": "high", "potential": "high"}})
        return out

    def add_managers(self, stack) -> None:
        """Two financial managers whose seats cover about 80% of the population."""
        capacity = max(1, (self.size * 4 // 5) // 2)
        for mid in self.managers:
            stack.crm("managers", "add", "--id", mid, "--name", f"Staff {mid}", "--role",
                      "financial_manager", "--branch", self.branch, "--capacity", str(capacity))


@dataclass
class Account:
    sent: int
    accounted: int
    duplicates: int
    problems: list[str]

    def line(self, name: str) -> str:
        return f"scenario {name}: sent {self.sent}, accounted {self.accounted}, " \
               f"duplicates {self.duplicates}"


def account(stack, pop: Population) -> Account:
    """Where every input customer ended, from the crm command's own exports."""
    wanted = {f"{pop.branch}-{n}" for n in range(pop.size)}
    problems: list[str] = []
    member_of: dict[str, list[str]] = {}
    for cluster in stack.crm_json("export", "clusters"):
        for m in cluster["members"]:
            if m["external_id"] in wanted:
                member_of.setdefault(m["external_id"], []).append(cluster["customer_id"])
    dup = sum(len(v) - 1 for v in member_of.values())
    customers = {ext: ids[0] for ext, ids in member_of.items()}
    ids = set(customers.values())
    if len(ids) != len(customers):
        problems.append(f"{len(customers) - len(ids)} records merged into another customer")
    tiers = Counter((t["customer_id"], t["scheme"]) for t in stack.crm_json("export", "tiers")
                    if t["customer_id"] in ids)
    dup += sum(c - 1 for c in tiers.values())
    assigned = {a["customer_id"]: a["manager_id"] for a in stack.crm_json("export", "assignments")
                if a["customer_id"] in ids and a.get("manager_id")}
    waiting = Counter(b["customer_id"] for b in stack.crm_json("assignments", "backlog", "--json")
                      if b["customer_id"] in ids)
    dup += sum(c - 1 for c in waiting.values()) + len(set(assigned) & set(waiting))
    notes = [n for n in stack.notifications() if n["recipient"] in pop.managers]
    pairs = Counter((n["event_id"], n["recipient"]) for n in notes)
    dup += sum(c - 1 for c in pairs.values())
    per_manager = Counter(n["recipient"] for n in notes)
    seats = Counter(assigned.values())
    for mid in pop.managers:
        if per_manager[mid] != seats[mid]:
            problems.append(f"{mid}: {seats[mid]} customers but {per_manager[mid]} notifications")
            dup += max(0, per_manager[mid] - seats[mid])
    problems += campaign_problems(stack, pop, ids, assigned)
    ok = 0
    for ext in wanted:
        cid = customers.get(ext)
        if cid and all(tiers[(cid, s)] for s in SCHEMES) and (cid in assigned or cid in waiting):
            ok += 1
    if problems or ok != pop.size:
        problems.append(f"{pop.size - ok} of {pop.size} not fully accounted")
    return Account(pop.size, ok, dup, problems)


def campaign_problems(stack, pop: Population, ids: set[str],
                      assigned: dict[str, str]) -> list[str]:
    """Campaigns' read model of the population, through a campaign: a 3-star list of the
    branch shared by its two maintainers holds every customer exactly once, and each
    assigned customer is on their own maintainer's list (their seats, 40 % of the
    population each, fit in a list of half of it)."""
    made = stack.crm_json("campaigns", "create", f"fault-{pop.name}", "--branch", pop.branch,
                          "--owner", pop.managers[0], "--from", "2000-01-01", "--to",
                          "2099-12-31", "--star", "3", "--staff", ",".join(pop.managers),
                          "--json")[0]
    listed = [c for chosen in made["lists"].values() for c in chosen]
    problems = []
    if len(listed) != len(set(listed)):
        problems.append(f"campaigns: {len(listed) - len(set(listed))} customers listed twice")
    if set(listed) != ids:
        problems.append(f"campaigns: {len(ids - set(listed))} customers missing from the "
                        f"3-star list, {len(set(listed) - ids)} not of this population")
    misplaced = [c for c, m in assigned.items() if c not in made["lists"].get(m, ())]
    if misplaced:
        problems.append(f"campaigns: {len(misplaced)} assigned customers not on their "
                        "maintainer's list")
    return problems


def settle(stack, pop: Population, timeout: float = 240) -> Account:
    """Drain, then re-count until the account is exact or time is up (outbox sweeps
    and the backlog timer may still finish work after the queues are empty)."""
    deadline = time.monotonic() + timeout
    stack.crm("drain", "--timeout", str(timeout), timeout=timeout + 30, check=False)
    while True:
        result = account(stack, pop)
        if (result.accounted == pop.size and not result.duplicates and not result.problems) \
                or time.monotonic() > deadline:
            return result
        time.sleep(5)


def service_pids(stack) -> dict[str, int | None]:
    from tools.stack.__main__ import SERVICES
    from tools.stack.procs import read_pid
    return {s: read_pid(stack.base / "pids" / f"{s}.pid") for s in SERVICES}


def report(name: str, result: Account) -> None:
    print("\n" + result.line(name), flush=True)
    assert result.accounted == result.sent and result.duplicates == 0 and not result.problems, \
        f"{result.line(name)}; {result.problems}"

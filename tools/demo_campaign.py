"""`make run`'s campaign: one branch's 2-star customers called over a day (domain §9).

Idempotent: a stack that has the sample campaign already keeps it (and its calls) and
only reports it, so `make run` twice neither doubles the calls nor trips over a day
signed off in between.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

from crm_cli.campaigns import progress_line

NAME = "样例：二星客户电话营销"
BRANCH, OWNER, STAFF = "BJ001", "BJ001-S5", ["BJ001-S6", "BJ001-S7"]
OUTCOMES = ["no_answer", "interested", "callback", "not_interested", "interested", "no_answer"]
CALLS_PER_STAFF = 8


def ensure_campaign(proxy, today: date) -> dict:
    """The sample campaign, created with a day of calls when the stack has none yet."""
    known = [c for c in proxy.campaigns.campaigns_list(BRANCH, "open", 1000)
             if c["name"] == NAME]
    if known:
        return proxy.campaigns.campaigns_show(known[0]["campaign_id"])
    next_month = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    last_day = next_month - timedelta(days=1)
    made = proxy.campaigns.campaigns_create(NAME, BRANCH, OWNER, today.isoformat(),
                                            last_day.isoformat(), ["2"], None, None, None,
                                            None, STAFF)
    rng = random.Random(23)  # the same day of calls on every fresh stack
    for staff, customers in made["lists"].items():
        for n, customer_id in enumerate(customers[:CALLS_PER_STAFF]):
            outcome = OUTCOMES[(n + len(staff)) % len(OUTCOMES)]
            seconds = rng.randrange(15, 40) if outcome == "no_answer" else rng.randrange(45, 240)
            proxy.campaigns.calls_log(made["campaign_id"], customer_id, staff, seconds, outcome,
                                      "TD3M" if outcome == "interested" else None,
                                      "样例通话记录")
    return proxy.campaigns.campaigns_show(made["campaign_id"])


def report(proxy, today: date, section) -> None:
    view = ensure_campaign(proxy, today)
    progress = view["progress"]
    section(f"Campaign {view['campaign_id']} (crm campaigns show {view['campaign_id']})")
    print(f"{view['name']}: branch {view['branch']}, owner {view['owner']}, "
          f"{view['from']} .. {view['to']}, 2-star customers who did not refuse marketing")
    print(progress_line(progress))
    for staff, done in progress["staff"].items():
        print(f"  {staff}: {done['customers']} on the list, {done['called']} called, "
              f"{done['reached']} reached")
    for line in proxy.campaigns.calls_day(None, BRANCH):
        who = line["staff_id"] or "branch total"
        quota = f" of {line['quota']} ({'met' if line['met'] else 'not met'})" \
            if line["staff_id"] is None else ""
        print(f"  today {who}: {line['effective']} effective calls{quota}, {line['calls']} calls")

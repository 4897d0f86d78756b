"""Campaigns on the real stack: a call list from a segment, calls, the day's sheet (issue 23)."""
from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

import pytest

from tests.campaigns.helpers import create, customer, log, publish_pool
from tests.campaigns.test_campaign_events import metrics_text
from tests.assignment.people import unique_branch

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def branch_pool(stack):
    """One branch with 1-, 2- and 3-star customers, some 2-star refusing marketing or
    calls, and 2-star customers of another branch."""
    b, other = unique_branch("CP"), unique_branch("CQ")
    wanted = [customer(b, "2") for _ in range(7)]
    refusing = [customer(b, "2", refuses=True) for _ in range(3)]
    refusing.append(customer(b, "2", consent={"marketing": True, "do_not_call": True}))
    others = [customer(b, "1"), customer(b, "1"), customer(b, "3"), customer(b, "3"),
              customer(other, "2"), customer(other, "2")]
    ids = publish_pool(stack, wanted + refusing + others)
    return {"branch": b, "wanted": {ids[r["external_id"]] for r in wanted},
            "refusing": {ids[r["external_id"]] for r in refusing}, "ids": ids}


def test_two_star_list_of_one_branch_shared_between_two_staff(stack, branch_pool):
    b = branch_pool["branch"]
    made = create(stack, "二星电话营销", b, "--star", "2", "--staff", f"{b}-S1,{b}-S2")
    lists = made["lists"]
    assert set(lists) == {f"{b}-S1", f"{b}-S2"}
    listed = [c for chosen in lists.values() for c in chosen]
    assert len(listed) == len(set(listed)), "a customer on two lists"
    assert set(listed) == branch_pool["wanted"], "only the branch's 2-star, none refusing"
    assert not set(listed) & branch_pool["refusing"]
    assert abs(len(lists[f"{b}-S1"]) - len(lists[f"{b}-S2"])) <= 1
    shown = stack.crm_json("campaigns", "show", made["campaign_id"], "--json")[0]
    assert shown["lists"] == lists and shown["progress"]["customers"] == len(listed)
    assert any(r["campaign_id"] == made["campaign_id"]
               for r in stack.crm_json("campaigns", "list", "--branch", b, "--json"))


def test_calls_effective_from_sixty_seconds_day_quota_and_sign_off(stack, branch_pool):
    b = branch_pool["branch"]
    made = create(stack, "通话", b, "--star", "2", "--staff", f"{b}-A,{b}-B")
    cid = made["campaign_id"]
    a_list, b_list = made["lists"][f"{b}-A"], made["lists"][f"{b}-B"]
    for seconds in range(30, 91, 5):  # 30 .. 90: effective from 60
        call = json.loads(log(stack, cid, a_list[0], f"{b}-A", seconds).stdout)
        assert call["effective"] is (seconds >= 60), seconds
    for seconds in (59, 60, 61):
        log(stack, cid, b_list[0], f"{b}-B", seconds, "interested", "--product", "TD-3M")
    lines = {l["staff_id"]: l for l in stack.crm_json("calls", "day", "--branch", b, "--json")}
    assert lines[f"{b}-A"]["effective"] == 7 and lines[f"{b}-A"]["calls"] == 13
    assert lines[f"{b}-B"]["effective"] == 2
    branch_line = lines[None]
    assert branch_line["branch"] == b and branch_line["effective"] == 9
    assert branch_line["met"] is (9 >= branch_line["quota"])
    log(stack, cid, a_list[1], f"{b}-A", 120, "callback")
    branch_line = next(l for l in stack.crm_json("calls", "day", "--branch", b, "--json")
                       if l["staff_id"] is None)
    assert branch_line["effective"] == 10 and branch_line["met"] is True  # quota 10 (or 0)

    refused = log(stack, cid, "C-not-on-the-list", f"{b}-A", 70, check=False)
    assert refused.returncode == 1 and "not on campaign" in refused.stderr
    day = branch_line["date"]
    stack.crm("calls", "signoff", "--date", day, "--branch", b, "--by", f"{b}-SUP",
              "--role", "supervisor")
    log(stack, cid, a_list[1], f"{b}-A", 61)  # one signature: still open
    stack.crm("calls", "signoff", "--date", day, "--branch", b, "--by", f"{b}-PRES",
              "--role", "president")
    late = log(stack, cid, a_list[1], f"{b}-A", 61, check=False)
    assert late.returncode == 1 and "signed off" in late.stderr
    after = next(l for l in stack.crm_json("calls", "day", "--branch", b, "--json")
                 if l["staff_id"] is None)
    assert after["effective"] == 11 and after["signed_off"] is True

    shown = stack.crm_json("campaigns", "show", cid, "--json")[0]
    assert shown["progress"]["reached"] == 3 and shown["progress"]["outcomes"]["interested"] == 1

    iso = date.fromisoformat(day).isocalendar()
    board = stack.crm_json("leaderboard", "--week", f"{iso.year}-W{iso.week:02d}", "--json")
    mine = [r for r in board if r["branch"] == b]
    assert [(r["staff_id"], r["effective"], r["interested"], r["conversions"]) for r in mine] \
        == [(f"{b}-A", 9, 0, 0), (f"{b}-B", 2, 3, 3), (None, 11, 3, 3)]
    assert board == stack.crm_json("leaderboard", "--week", f"{iso.year}-W{iso.week:02d}",
                                   "--json")

    month = day[:7]
    first = stack.crm_json("calls", "audit", "--month", month, "--branch", b, "--seed", "s1",
                           "--json")[0]
    again = stack.crm_json("calls", "audit", "--month", month, "--branch", b, "--seed", "s1",
                           "--json")[0]
    assert first == again and first["date"].startswith(month) and first["seed"] == "s1"
    drawn = {stack.crm_json("calls", "audit", "--month", month, "--branch", b, "--seed",
                            f"s{n}", "--json")[0]["date"] for n in range(6)}
    assert len(drawn) > 1, "the seed decides the day"
    if first["date"] == day:
        assert len(first["calls"]) == 18


def test_products_maturing_within_and_min_balance(stack):
    b = unique_branch("CM")
    soon = (date.today() + timedelta(days=10)).isoformat()
    later = (date.today() + timedelta(days=100)).isoformat()
    records = {"soon": customer(b, "2", products=[
                   {"code": "TD-3M", "matures_on": soon, "balance": "30,000.00"}]),
               "rich": customer(b, "2", products=[
                   {"code": "WM-1Y", "matures_on": later, "balance": 60000},
                   {"code": "CA", "balance": "20000"}]),
               "none": customer(b, "2")}
    ids = publish_pool(stack, list(records.values()))
    cid = {k: ids[r["external_id"]] for k, r in records.items()}

    def listed(*options: str) -> set[str]:
        made = create(stack, "到期", b, *options)
        return {c for chosen in made["lists"].values() for c in chosen}
    assert listed() == set(cid.values())
    assert listed("--maturing-within", "30") == {cid["soon"]}
    assert listed("--maturing-within", "120") == {cid["soon"], cid["rich"]}
    assert listed("--min-balance", "80000") == {cid["rich"]}
    assert listed("--min-balance", "80000.01") == set()


def test_closing_a_campaign_keeps_its_feedback_and_refuses_calls(stack, branch_pool):
    b = branch_pool["branch"]
    made = create(stack, "收尾", b, "--star", "3", "--staff", f"{b}-C")
    assert sum(map(len, made["lists"].values())) == 2
    stack.crm("campaigns", "close", made["campaign_id"], "--feedback", "接通率低，下期改晚间")
    shown = stack.crm_json("campaigns", "show", made["campaign_id"], "--json")[0]
    assert shown["status"] == "closed" and shown["feedback"] == "接通率低，下期改晚间"
    customer_id = made["lists"][f"{b}-C"][0]
    refused = log(stack, made["campaign_id"], customer_id, f"{b}-C", 70, check=False)
    assert refused.returncode == 1 and "closed" in refused.stderr


def test_a_request_delivered_again_creates_and_logs_nothing_twice(stack, monkeypatch):
    """nameko acknowledges an RPC after its reply: a worker that died after its commit
    gets the request again (the same correlation id), here sent twice on purpose."""
    import nameko.rpc
    from types import SimpleNamespace
    b = unique_branch("CR")  # a day of its own: the other tests sign theirs off
    publish_pool(stack, [customer(b, "3"), customer(b, "3")])
    with stack.rpc() as rpc:
        for request in ("create-once", "log-once"):
            fixed = uuid.uuid5(uuid.NAMESPACE_URL, f"{b}-{request}")
            monkeypatch.setattr(nameko.rpc, "uuid", SimpleNamespace(uuid4=lambda: fixed))
            if request == "create-once":
                made = [rpc.campaigns.campaigns_create(
                    "重发", b, f"{b}-OWNER", "2000-01-01", "2099-12-31", stars=["3"],
                    staff=[f"{b}-R"]) for _ in range(2)]
            else:
                customer_id = made[0]["lists"][f"{b}-R"][0]
                calls = [rpc.campaigns.calls_log(made[0]["campaign_id"], customer_id,
                                                 f"{b}-R", 75, "no_answer") for _ in range(2)]
    assert made[0]["campaign_id"] == made[1]["campaign_id"]
    assert calls[0]["call_id"] == calls[1]["call_id"]
    line = next(row for row in stack.crm_json("calls", "day", "--branch", b, "--json")
                if row["staff_id"] == f"{b}-R")
    assert (line["calls"], line["effective"]) == (1, 1)
    assert sum(r["name"] == "重发" for r in
               stack.crm_json("campaigns", "list", "--branch", b, "--json")) == 1
    counted = [float(row.rsplit(" ", 1)[1]) for row in metrics_text(stack).splitlines()
               if row.startswith("crm_campaigns_calls_total{") and f'branch="{b}"' in row]
    assert counted == [1.0]  # the metric counts the call once, too

"""Issue 21 point 5: a maintainer's channel, address and language come from the roster
CSV (or `crm managers update`), and each is told in their own language, every part of
it: the reason and the band too."""
from __future__ import annotations

import pytest

from tests.assignment.helpers import eventually
from tests.assignment.people import unique_branch
from tests.notification.test_notification_delivery import assigned_customer

pytestmark = pytest.mark.integration


def _prefs(stack, recipient: str) -> dict:
    return stack.db("notification")["preferences"].find_one({"_id": recipient}) or {}


def _told(stack, recipient: str) -> list[dict]:
    """The outbox rows to `recipient` (with their address, which the listing leaves out)."""
    return list(stack.db("notification")["notifications"].find({"recipient": recipient}))


def test_roster_columns_and_update_options_choose_how_a_maintainer_is_told(stack, tmp_path):
    b = unique_branch("LG")
    roster = tmp_path / "花名册.csv"
    roster.write_text("工号,姓名,角色,网点,容量,通知渠道,通知地址,语言\n"
                      f"{b}-EN,Li Wei,理财经理,{b},10,日志,{b.lower()}-en@bank.example,英文\n"
                      f"{b}-ZH,王芳,理财经理,{b},10,log,{b.lower()}-zh@bank.example,中文\n",
                      encoding="utf-8")
    out = stack.crm("managers", "import", str(roster)).stdout
    assert "2 created" in out and "language set for 2" in out
    assert {k: v for k, v in _prefs(stack, f"{b}-EN").items() if k != "_id"} == \
        {"channel": "log", "address": f"{b.lower()}-en@bank.example", "language": "en"}
    assert _prefs(stack, f"{b}-ZH")["language"] == "zh-CN"
    managers = {m["id"]: m for m in stack.crm_json("managers", "list", "--branch", b, "--json")}
    assert set(managers[f"{b}-EN"]) == {"id", "name", "role", "branch", "capacity", "active",
                                        "load"}  # the roster keeps no notification columns

    _, cid = assigned_customer(stack, b, f"{b}-EN")
    [en] = eventually(lambda: _told(stack, f"{b}-EN"), 60)
    assert en["language"] == "en" and en["address"] == f"{b.lower()}-en@bank.example"
    assert "(financial band)" in en["text"] and "Reason: new customer in the financial band" in en["text"]

    stack.crm("managers", "update", f"{b}-ZH", "--language", "zh-CN", "--address",
              f"{b.lower()}-zh2@bank.example")
    assert _prefs(stack, f"{b}-ZH")["address"] == f"{b.lower()}-zh2@bank.example"
    stack.crm("assign", cid, f"{b}-ZH", "--reason", "customer-choice")
    [zh] = eventually(lambda: _told(stack, f"{b}-ZH"), 60)
    assert zh["language"] == "zh-CN" and zh["address"] == f"{b.lower()}-zh2@bank.example"
    assert "（理财）" in zh["text"] or "(理财)" in zh["text"]
    assert "客户自主选择" in zh["text"] and "customer-choice" not in zh["text"]
    refused = stack.crm("managers", "update", f"{b}-ZH", "--language", "fr", check=False)
    assert refused.returncode == 2

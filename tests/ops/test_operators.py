"""Issue 16 point 2: operators with roles, checked and audited by the services.

Against the test session's stack: operators are made with `crm operators add` (as the
stack's local admin operator), and `crm` runs with each one's CRM_AMQP_URI. A viewer
sees personal data masked and is refused erasure and key rotation with exit code 3;
an operator whose grant ended, or who was revoked, is refused everything; a request
without a user_id, or one claiming another caller in its headers, is refused; every
refusal and every served request that touched personal data is in `crm audit list`,
written by the service that judged it.
"""
from __future__ import annotations

import uuid

import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcProxy

from contracts.caller import IdentifiedRpcProxy

pytestmark = pytest.mark.integration

NAME, PHONE = "Operator Testcase", "13655507788"


def _operator(stack, role: str, until: str | None = None) -> tuple[str, str]:
    """(name, CRM_AMQP_URI) of a new operator."""
    name = f"op-test-{role}-{uuid.uuid4().hex[:6]}"
    args = ["operators", "add", name, "--role", role, *(["--until", until] if until else [])]
    made = stack.crm(*args)
    [line] = [x for x in made.stdout.splitlines() if x.startswith("CRM_AMQP_URI=")]
    return name, line.split("=", 1)[1]


def _as(stack, uri: str, *args: str, check: bool = False):
    return stack.crm(*args, check=check, env={"CRM_AMQP_URI": uri})


@pytest.fixture(scope="module")
def customer(stack):
    stack.publish({"source": "op_t", "external_id": "OP-1", "name": NAME, "phones": [PHONE],
                   "birth_date": "1979-05-06", "branch": "OP01",
                   "financials": {"avg_daily_assets": 250000}})
    stack.drain()
    return next(c for c in stack.crm_json("export", "clusters")
                if any(m["source"] == "op_t" for m in c["members"]))


def test_a_viewer_sees_masked_data_and_may_not_erase_or_rotate_keys(stack, customer):
    name, uri = _operator(stack, "viewer")
    officer_name, officer_uri = _operator(stack, "officer")
    _as(stack, officer_uri, "managers", "add", "--id", "OP-M1", "--name", NAME, "--role",
        "financial_manager", "--branch", "OP01", "--capacity", "5", check=True)
    clear = _as(stack, officer_uri, "managers", "list", "--json", check=True).stdout
    masked = _as(stack, uri, "managers", "list", "--json", check=True).stdout
    assert "OP-M1" in masked and NAME in clear, "an officer sees personal data in clear"
    assert NAME not in masked
    export = _as(stack, uri, "export", "clusters", check=True).stdout
    assert customer["customer_id"] in export and PHONE not in export and NAME not in export

    erase = _as(stack, uri, "erase", customer["customer_id"], "--by", "DPO-1", "--yes")
    rotate = _as(stack, uri, "keys", "rotate")
    for refused in (erase, rotate):
        assert refused.returncode == 3, refused.stderr
        assert "refused" in refused.stderr and "viewer" in refused.stderr
    assert customer["customer_id"] in stack.crm("export", "clusters").stdout  # not erased

    trail = stack.crm_json("audit", "list", "--actor", name, "--json")
    refusals = {(r["service"], r["command"]) for r in trail if r["outcome"] == "refused"}
    assert ("dedup", "erase") in refusals
    assert any(service == "ingestion" and command.startswith("keys_")
               for service, command in refusals)
    served = [r for r in trail if r["outcome"] == "served"]
    assert {r["command"] for r in served} >= {"export_clusters", "managers_list"}
    assert all(r["role"] == "viewer" for r in served)
    officer_rows = stack.crm_json("audit", "list", "--actor", officer_name, "--json")
    assert any(r["command"] == "managers_upsert" and r["role"] == "officer" for r in officer_rows)


def test_an_expired_or_revoked_operator_is_refused_everything(stack):
    name, uri = _operator(stack, "admin", until="2020-01-31")
    for args in (("imports", "list"), ("audit", "list"), ("review", "list")):
        refused = _as(stack, uri, *args)
        assert refused.returncode == 3 and "expired" in refused.stderr, refused.stderr
    assert any(r["reason"] == "expired" for r in
               stack.crm_json("audit", "list", "--actor", name, "--json"))

    name, uri = _operator(stack, "officer")
    assert _as(stack, uri, "imports", "list").returncode == 0
    stack.crm("operators", "revoke", name)
    refused = _as(stack, uri, "imports", "list")
    assert refused.returncode == 3, refused.stderr
    listed = {o["name"]: o for o in stack.crm_json("operators", "list", "--json")}
    assert listed[name]["revoked_at"] and listed[name]["role"] == "officer"


def test_the_caller_is_the_brokers_user_id_never_an_argument_or_a_header(stack):
    name, uri = _operator(stack, "viewer")
    with ClusterRpcProxy({"AMQP_URI": stack.env["AMQP_URI"]}, timeout=30) as anonymous:
        with pytest.raises(RemoteError) as caught:
            anonymous.ingestion.imports_list()
    assert caught.value.exc_type == "Forbidden" and "user_id" in caught.value.value
    admin_user = "guest"
    with IdentifiedRpcProxy(uri, timeout=30) as viewer:
        viewer._worker_ctx.data["crm_caller"] = admin_user  # sent as a nameko.* header
        with pytest.raises(RemoteError) as caught:
            viewer.ingestion.keys_status()
    assert caught.value.exc_type == "Forbidden" and "viewer" in caught.value.value


def test_operators_are_an_admins_business(stack):
    name, uri = _operator(stack, "officer")
    refused = _as(stack, uri, "operators", "add", "intruder", "--role", "admin")
    assert refused.returncode == 3
    assert "intruder" not in {o["name"] for o in stack.crm_json("operators", "list", "--json")}
    assert _as(stack, uri, "clients", "list").returncode == 3


def test_an_audit_listing_does_not_list_its_own_request_as_started(stack):
    """Each request's row is written before it runs (`started`): the listing leaves its
    own out, and shows the earlier listings served."""
    rows = stack.crm_json("audit", "list", "--json")
    assert [r for r in rows if r["command"] == "audit_list" and r["outcome"] == "started"] == []
    again = stack.crm_json("audit", "list", "--json")
    served = [r for r in again if r["command"] == "audit_list" and r["outcome"] == "served"]
    assert {r["service"] for r in served} >= {"ingestion", "dedup", "tiering"}

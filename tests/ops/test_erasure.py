"""Issue 10 (erasure): `crm erase` and upstream `customer.erase` seal a person everywhere.

A person registered twice (two sources, merged into one golden customer) with a
maintainer is erased; then every document of every service database that names the
customer or its records is searched for the person's name, phones (raw and masked)
and ID number; the events tell other teams the customer left; access is audited.
"""
from __future__ import annotations

import json

import pytest
from pymongo import MongoClient

from tests.ingestion.helpers import cn_id, open_rejects
from tools.stack.operator import local_name

pytestmark = pytest.mark.integration

NAME, PHONE = "Erasmus Forgetme", "13655501234"
NATIONAL_ID = cn_id(811, birth="19680203", area="440103")


def _record(source: str, external_id: str, **extra) -> dict:
    return {"source": source, "external_id": external_id, "name": NAME, "phones": [PHONE],
            "national_id": NATIONAL_ID, "birth_date": "1968-02-03", "branch": "ER01",
            "registered_by": "ER-M1", "registered_at": "2025-02-01T09:00:00",
            "financials": {"avg_daily_assets": 420000, "has_relationship": True}, **extra}


def _documents_about(stack, ids: set[str]) -> dict[str, str]:
    """Text of every stored document that mentions one of the ids, per collection."""
    found = {}
    for uri in stack.mongo_uris():
        with MongoClient(uri) as client:
            for db_name in [d for d in client.list_database_names() if d.startswith("crm_")]:
                for coll in client[db_name].list_collection_names():
                    if coll.startswith("system."):
                        continue
                    for doc in client[db_name][coll].find():
                        text = json.dumps(doc, default=str, ensure_ascii=False)
                        if any(i in text for i in ids):
                            found.setdefault(f"{db_name}.{coll}", []).append(text)
    return {k: "\n".join(v) for k, v in found.items()}


def _golden_of(stack, source: str) -> dict:
    return next(c for c in stack.crm_json("export", "clusters")
                if any(m["source"] == source for m in c["members"]))


def test_erase_seals_the_person_in_every_service_and_tells_subscribers(stack):
    stack.crm("managers", "add", "--id", "ER-M1", "--name", "Wang Fang", "--role",
              "financial_manager", "--branch", "ER01", "--capacity", "5")
    stack.publish(_record("er_branch", "E-1"))
    stack.publish(_record("er_online", "E-9"))
    stack.drain(timeout=600)
    golden = _golden_of(stack, "er_branch")
    customer_id = golden["customer_id"]
    record_ids = {"er_branch:E-1", "er_online:E-9"}
    assert {f"{m['source']}:{m['external_id']}" for m in golden["members"]} == record_ids
    assert NAME in json.dumps(_documents_about(stack, {customer_id}), ensure_ascii=False)

    watch = {key: stack.subscribe(exchange, key) for exchange, key in (
        ("dedup.events", "customer.erased"), ("tiering.events", "tier.changed"),
        ("assignment.events", "customer.assigned"))}
    try:
        done = stack.crm("erase", customer_id, "--by", "DPO-7", "--reason", "customer request",
                         "--yes")
        again = stack.crm("erase", customer_id, "--by", "DPO-7", "--yes", "--json")
        stack.drain(timeout=600)
        expected = {"customer.erased": 1, "tier.changed": 3, "customer.assigned": 1}
        seen = {key: s.wait_for(expected[key], lambda e: e.get("customer_id") == customer_id)
                for key, s in watch.items()}  # drained: a repeat would be queued beside them
    finally:
        for subscriber in watch.values():
            subscriber.close()

    assert customer_id in done.stdout and "2 record(s) sealed" in done.stdout
    assert json.loads(again.stdout)["customer_id"] == customer_id
    [erased] = seen["customer.erased"]  # the repeated command announced nothing twice
    assert set(erased["record_ids"]) == record_ids and erased["requested_by"] == "DPO-7"
    removed = [e for e in seen["tier.changed"] if e["direction"] == "removed"]
    assert {e["scheme"] for e in removed} == {"star", "service_band", "intent"}
    assert all(e["current"] is None for e in removed)
    ended = [e for e in seen["customer.assigned"] if e["reason"] == "erased"]
    assert len(ended) == 1 and ended[0]["manager_id"] is None
    assert ended[0]["previous_manager_id"] == "ER-M1"

    stored = _documents_about(stack, {customer_id, *record_ids})
    assert stored, "the non-personal trail (ids, history) is kept"
    masked_phone = PHONE[:3] + "****" + PHONE[-4:]
    for where, text in stored.items():
        for secret in (NAME, "Erasmus", "Forgetme", PHONE, masked_phone, NATIONAL_ID):
            assert secret not in text, f"{secret[:4]}... still in {where}"
    roster = {m["id"]: m for m in stack.crm_json("managers", "list", "--json")}
    assert roster["ER-M1"]["load"] == 0  # the seat was given back

    audit = [a for a in stack.crm_json("audit", "list", "--actor", local_name(), "--json")
             if a["command"] == "erase" and customer_id in a["customers"]]
    assert [(a["service"], a["role"], a["outcome"]) for a in audit] == \
        [("dedup", "admin", "served")] * 2  # written by dedup itself, the repeat too

    stack.publish(_record("er_branch", "E-1"))  # the erased record sent again
    stack.drain(timeout=300)
    again_rejected = [r for r in open_rejects(stack) if r["source"] == "er_branch"]
    assert [r["reason"] for r in again_rejected] == ["erased"]
    assert NAME not in json.dumps(_documents_about(stack, {"er_branch"}), ensure_ascii=False)


def test_upstream_erase_message_by_source_and_external_id(stack):
    person = {**_record("er_up", "U-1"), "name": "Upstream Leaver",
              "phones": ["13655509876"], "national_id": cn_id(812, birth="19700101")}
    stack.publish(person)
    stack.drain(timeout=600)
    customer_id = _golden_of(stack, "er_up")["customer_id"]
    subscriber = stack.subscribe("dedup.events", "customer.erased")
    try:
        stack.publish({"source": "er_up", "external_id": "U-1", "requested_by": "core-banking",
                       "reason": "account closed"}, routing_key="customer.erase")
        stack.publish({"source": "er_up", "reason": "nobody named"},
                      routing_key="customer.erase")  # invalid: kept as a reject
        stack.drain(timeout=600)
        erased = subscriber.wait_for(1, lambda e: e["customer_id"] == customer_id)
    finally:
        subscriber.close()
    assert len(erased) == 1 and erased[0]["requested_by"] == "core-banking"
    text = json.dumps(_documents_about(stack, {customer_id}), ensure_ascii=False)
    assert "Upstream Leaver" not in text and "13655509876" not in text
    bad = [r for r in open_rejects(stack) if r.get("channel") == "erase"]
    assert bad and all(r["reason"] for r in bad)

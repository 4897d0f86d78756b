"""Issue 21 point 1: reviews a person can decide, merges that explain themselves.

On the real stack: records published upstream score between the thresholds, dedup
opens a review and keeps the evidence; `crm review show` prints the two customers
side by side (masked) with the evidence and why; `crm review report --html` writes a
page that headless Chromium renders with the masked names and a bar per comparison;
`crm explain-merge` shows an automatic merge's evidence; an erasure takes the
evidence of the erased person away.
"""
from __future__ import annotations

import json
import uuid

import pytest

from tests.browser import rendered

from .helpers import cluster_of, clusters, cn_id, record, reviews

pytestmark = pytest.mark.integration

NAME, MASKED = "上官飞燕", "上***"


def _possible_pair(tag: str, n: int) -> list[dict]:
    """Same name and postcode, different phones, no birth date: possible, not a match
    (each pair its own postcode and phones, so pairs do not match each other)."""
    address = {"postcode": f"51801{n}", "city": "深圳"}
    return [record(f"rv{tag}A", "a-1", NAME, "RV01", phones=[f"156000900{n}1"],
                   address=address, registered_at="2024-04-01T09:00:00"),
            record(f"rv{tag}B", "b-1", NAME, "RV01", phones=[f"156000900{n}2"],
                   address=address, registered_at="2025-04-01T09:00:00")]


def _open_review(stack, tag: str, n: int) -> dict:
    """Publish a possible pair (the earlier registrant first) -> the review dedup opened."""
    first, second = _possible_pair(tag, n)
    stack.publish(first)
    stack.drain()
    stack.publish(second)
    stack.drain()
    [found] = [r for r in reviews(stack) if r["record_id"] == f"rv{tag}B:b-1"]
    return found


@pytest.fixture(scope="module")
def review(stack) -> dict:
    return _open_review(stack, "e", 1)


def test_review_ids_are_safe_in_a_shell(review):
    assert review["id"].startswith("RV") and review["id"].isalnum(), review["id"]


def test_review_show_puts_the_customers_side_by_side_with_the_evidence(stack, review):
    [shown] = stack.crm_json("review", "show", review["id"], "--json")
    assert shown["id"] == review["id"] and shown["status"] == "open"
    assert shown["customer"]["customer_id"] == review["customer_id"]
    assert shown["candidate"]["customer_id"] == review["candidate_id"]
    assert shown["customer"]["name"] == [MASKED] == shown["candidate"]["name"]
    assert NAME not in json.dumps(shown, ensure_ascii=False), "masked by default"
    rows = {r["comparison"]: r for r in shown["evidence"]}
    assert rows["name"]["weight"] > 0 and rows["name"]["record"] == [MASKED]
    assert rows["contact"]["weight"] < 0
    assert rows["contact"]["record"] != rows["contact"]["candidate"]
    decision = shown["decision"]
    assert decision["thresholds"]["review"] <= shown["score"] < decision["thresholds"]["match"]
    weights = decision["prior"] + sum(r["weight"] for r in shown["evidence"])
    assert abs(decision["total"] - weights) < 0.05
    assert "between the review threshold" in shown["why"]
    text = stack.crm("review", "show", review["id"]).stdout
    assert MASKED in text and "between the review threshold" in text and "contact" in text
    clear = stack.crm_json("review", "show", review["id"], "--json", "--unmasked")[0]
    assert clear["customer"]["name"] == [NAME]  # the stack's admin may ask for clear values


def test_a_viewer_gets_the_review_masked_even_when_asking_for_clear_values(stack, review):
    made = stack.crm("operators", "add", f"rv-viewer-{uuid.uuid4().hex[:6]}", "--role", "viewer")
    [uri] = [x.split("=", 1)[1] for x in made.stdout.splitlines()
             if x.startswith("CRM_AMQP_URI=")]
    shown = stack.crm("review", "show", review["id"], "--json", "--unmasked",
                      env={"CRM_AMQP_URI": uri}).stdout
    assert MASKED in shown and NAME not in shown
    assert json.loads(shown)["evidence"], "the evidence is for viewers too"


def test_the_html_report_renders_the_pair_and_its_match_weights(stack, review, tmp_path):
    page = tmp_path / "reviews.html"
    out = stack.crm("review", "report", "--html", str(page), "--branch", "RV01")
    assert "wrote" in out.stdout
    html = page.read_text(encoding="utf-8")
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html and NAME not in html
    shown = rendered(page)
    assert review["id"] in shown["text"] and MASKED in shown["text"]
    assert "between the review threshold" in shown["text"]
    bars = {b["label"].split()[0]: b for b in shown["bars"]}
    assert {"prior", "name", "contact", "total"} <= set(bars), shown["bars"]
    assert bars["name"]["width"] > 10 and bars["name"]["height"] > 5
    assert bars["name"]["fill"] == "rgb(46, 125, 50)"      # for: green
    assert bars["contact"]["fill"] == "rgb(198, 40, 40)"   # against: red
    # a longer weight draws a longer bar: the chart is to scale
    assert (bars["prior"]["width"] > bars["contact"]["width"]) == \
        (abs(bars["prior"]["weight"]) > abs(bars["contact"]["weight"]))
    later = tmp_path / "none.html"
    stack.crm("review", "report", "--html", str(later), "--branch", "RV01", "--older-than", "1w")
    assert review["id"] not in later.read_text(encoding="utf-8")


def test_explain_merge_shows_the_evidence_of_an_automatic_merge(stack):
    nid = cn_id("19700101", 901)
    stack.publish([record("rvmA", "a-1", "欧阳锋", "RV02", national_id=nid,
                          registered_at="2024-01-01T09:00:00"),
                   record("rvmB", "b-1", "欧阳峰", "RV02", national_id=nid,
                          phones=["15600090003"], registered_at="2025-01-01T09:00:00")])
    stack.drain()
    customer_id = cluster_of(clusters(stack, {"rvmA", "rvmB"}), "rvmA:a-1")["customer_id"]
    [history] = stack.crm_json("explain-merge", customer_id, "--json")
    [merge] = history["merges"]
    assert merge["record_id"] == "rvmB:b-1" and merge["kind"] == "automatic"
    assert merge["decision"]["rule"] == "same_national_id"
    ids = {r["comparison"]: r for r in merge["evidence"]}["exact_identifier"]
    assert ids["similarity"] == 1.0 and ids["record"] == ids["candidate"]
    assert "rvmB:b-1 merged automatically" in stack.crm("explain-merge", customer_id).stdout

    stack.crm("erase", customer_id, "--by", "DPO-9", "--yes")
    db = stack.db("dedup")
    try:
        assert db["merges"].count_documents({"customer_id": customer_id}) == 0
    finally:
        db.client.close()
    assert stack.crm_json("explain-merge", customer_id, "--json")[0]["merges"] == []


def test_an_erasure_takes_the_review_evidence_away(stack):
    found = _open_review(stack, "x", 2)
    assert found["evidence"]
    stack.crm("erase", found["candidate_id"], "--by", "DPO-9", "--yes")
    [shown] = stack.crm_json("review", "show", found["id"], "--json")
    assert shown["status"] == "erased" and shown["evidence"] == [] and shown["decision"] == {}
    assert shown["candidate"]["state"] == "erased" and shown["candidate"]["name"] == []


def test_a_review_id_of_the_older_form_keeps_working(stack, review):
    """Rows opened before the ids changed keep `record>candidate` (quoted in a shell)."""
    old_id = f"{review['record_id']}>{review['candidate_id']}"
    db = stack.db("dedup")
    try:
        row = db["reviews"].find_one({"_id": review["id"]})
        db["reviews"].insert_one({**row, "_id": old_id, "evidence": {}, "decision": {}})
        [shown] = stack.crm_json("review", "show", old_id, "--json")
        assert shown["id"] == old_id and shown["evidence"] == []
        assert "no evidence kept" in shown["why"]
        assert json.loads(stack.crm("review", "reject", old_id).stdout)["status"] == "rejected"
    finally:
        db["reviews"].delete_one({"_id": old_id})
        db.client.close()

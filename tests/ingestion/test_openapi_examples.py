"""contracts/openapi.json matches what the intake answers (issue 22, Done when): every
documented request example is posted to the running intake and gets the status of the
response example of the same name, with a body that fits that status's schema and
agrees with the example on status, code and reason."""
from __future__ import annotations

import json
import uuid

import pytest
from jsonschema import Draft202012Validator

from contracts.openapi import openapi
from tests.ingestion.helpers import post

pytestmark = pytest.mark.integration

OPERATION = openapi()["paths"]["/v1/customers"]["post"]
REQUESTS = {name: example["value"] for name, example in
            OPERATION["requestBody"]["content"]["application/json"]["examples"].items()}
ANSWERS = {name: (status, example["value"])
           for status, answer in OPERATION["responses"].items()
           for name, example in answer["content"]["application/json"].get("examples", {}).items()}
KEYS = ("status", "code", "reason")


def _check(status: int, body: dict, name: str) -> None:
    expected_status, expected = ANSWERS[name]
    assert status == int(expected_status), (name, status, body)
    schema = OPERATION["responses"][expected_status]["content"]["application/json"]["schema"]
    assert not list(Draft202012Validator(schema).iter_errors(body)), (name, body)
    results = body.get("results")
    pairs = zip(results, expected["results"]) if results else [(body, expected)]
    for got, documented in pairs:
        assert {k: got.get(k) for k in KEYS} == {k: documented.get(k) for k in KEYS}, name
    if "error" in expected and expected_status != "400":
        assert body["error"] == expected["error"]


@pytest.fixture(scope="module")
def web_portal(stack):
    """A client allowed only `web_form`, as the 403 example's client is."""
    name = f"web-portal-{uuid.uuid4().hex[:6]}"
    made = stack.crm("clients", "add", name, "--sources", "web_form").stdout
    return dict(line.split("=", 1) for line in made.splitlines() if "=" in line)["INTAKE_TOKEN"]


def _fresh(example, run: str):
    """The example with its external ids made unique to this run, so a record is new
    (`created`) however often the suite runs against one stack."""
    if isinstance(example, list):
        return [_fresh(item, run) for item in example]
    return {**example, "external_id": f"{example['external_id']}-{run}"} \
        if "external_id" in example else example


@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_each_documented_request_gets_its_documented_answer(stack, web_portal, name):
    body = json.dumps(_fresh(REQUESTS[name], uuid.uuid4().hex[:8]), ensure_ascii=False).encode()
    status, answer = post(stack.env["INTAKE_URL"], body, token=web_portal)
    _check(status, answer, name)


def test_no_token_and_too_many_records_get_their_documented_answers(stack, web_portal):
    one = json.dumps(REQUESTS["one_record"], ensure_ascii=False).encode()
    _check(*post(stack.env["INTAKE_URL"], one), "no_token")
    many = json.dumps([{"source": "web_form", "external_id": f"M-{i}"} for i in range(1001)])
    _check(*post(stack.env["INTAKE_URL"], many.encode(), token=web_portal), "too_many_records")

"""The HTTP intake's OpenAPI document: a bearer security scheme on the one operation,
every answer the service gives, and a request body that points at the exported intake
schema (a broken reference or a missing answer fails here, not in a client's generator)."""
from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = json.loads((ROOT / "openapi.json").read_text())


def test_the_intake_requires_a_bearer_token():
    schemes = DOC["components"]["securitySchemes"]
    assert schemes["intakeToken"] == {**schemes["intakeToken"], "type": "http",
                                      "scheme": "bearer"}
    assert DOC["security"] == [{"intakeToken": []}]


def test_every_answer_of_the_intake_is_documented():
    operation = DOC["paths"]["/v1/customers"]["post"]
    assert set(operation["responses"]) == {"202", "400", "401", "403", "413", "500"}


def test_the_request_body_refers_to_the_exported_intake_schema():
    body = DOC["paths"]["/v1/customers"]["post"]["requestBody"]["content"]["application/json"]
    refs = [variant.get("$ref") or variant["items"]["$ref"] for variant in body["schema"]["oneOf"]]
    assert refs and all((ROOT / ref).is_file() for ref in refs), refs

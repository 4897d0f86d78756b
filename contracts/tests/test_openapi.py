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
    assert set(operation["responses"]) == {"202", "400", "401", "403", "413", "422", "500"}


def test_the_request_body_refers_to_the_exported_intake_schema():
    body = DOC["paths"]["/v1/customers"]["post"]["requestBody"]["content"]["application/json"]
    refs = [variant.get("$ref") or variant["items"]["$ref"] for variant in body["schema"]["oneOf"]]
    assert refs and all((ROOT / ref).is_file() for ref in refs), refs


def test_the_document_is_valid_openapi_3_1():
    """Validated by openapi-spec-validator, the reference validator client generators
    rely on, with the exported JSON Schema files resolved from this folder."""
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation import OpenAPIV31SpecValidator

    validate(DOC, base_uri=(ROOT / "openapi.json").as_uri(), cls=OpenAPIV31SpecValidator)


def test_every_documented_example_fits_its_schema():
    """Each request example fits the intake's schema as far as the document says, and each
    response example fits the schema of its status (tests/ingestion posts them for real)."""
    from jsonschema import Draft202012Validator

    operation = DOC["paths"]["/v1/customers"]["post"]
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    assert len(examples) >= 4
    for status, answer in operation["responses"].items():
        content = answer["content"]["application/json"]
        for name, example in content.get("examples", {}).items():
            errors = list(Draft202012Validator(content["schema"]).iter_errors(example["value"]))
            assert not errors, (status, name, errors[:1])
    statuses = {s for s, a in operation["responses"].items()
                if a["content"]["application/json"].get("examples")}
    assert statuses == {"202", "400", "401", "403", "413", "422"}

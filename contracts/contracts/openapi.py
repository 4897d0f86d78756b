"""The OpenAPI document of the HTTP intake (`POST /v1/customers`), exported as
contracts/openapi.json next to the AsyncAPI document, so an integrating team's client
generator and reviewers see the same security scheme and answers the service gives."""
from __future__ import annotations

from typing import Any

_RESULT = {"type": "object", "properties": {
    "status": {"type": "string", "enum": ["accepted", "unchanged", "rejected"]},
    "record_id": {"type": "string"}, "reason": {"type": "string"},
    "code": {"type": "integer", "description": "403 for a source the client may not write"},
    "errors": {"type": "array", "items": {"type": "string"}}}}
_ERROR = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}


def _answer(text: str, schema: dict) -> dict:
    return {"description": text, "content": {"application/json": {"schema": schema}}}


def openapi() -> dict[str, Any]:
    record = {"$ref": "jsonschema/intake.customer.created.json"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Customer pool: HTTP intake", "version": "1.0.0",
                 "description": "The same records as the AMQP intake (crm.intake / "
                                "customer.created). Each upstream client has a token "
                                "(`crm clients add`); see docs/access-control.md."},
        "servers": [{"url": "http://ingestion:8001", "description": "INTAKE_PORT"}],
        "components": {"securitySchemes": {"intakeToken": {
            "type": "http", "scheme": "bearer",
            "description": "The client's INTAKE_TOKEN, shown once by `crm clients add`; "
                           "only its sha256 is stored."}}},
        "security": [{"intakeToken": []}],
        "paths": {"/v1/customers": {"post": {
            "summary": "Submit one customer record or an array of at most 1,000",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "oneOf": [record, {"type": "array", "items": record, "maxItems": 1000}]}}}},
            "responses": {
                "202": _answer("Accepted: one result per record, in order (a record of a "
                               "source the client may not write: status rejected, code 403, "
                               "reason source_not_allowed)",
                               {"type": "object", "properties": {
                                   "results": {"type": "array", "items": _RESULT}}}),
                "400": _answer("One record that breaks the contract (field errors), or a body "
                               "that is not UTF-8 JSON; kept as a reject", _RESULT),
                "401": _answer("No token, or an unknown or revoked one "
                               "(WWW-Authenticate: Bearer)", _ERROR),
                "403": _answer("One record of a source the client may not write", _RESULT),
                "413": _answer("Body or record count over the limit", _ERROR),
                "500": _answer("Unexpected error: details only in the service log, under "
                               "the returned id", {**_ERROR, "properties": {
                                   "error": {"type": "string"}, "id": {"type": "string"}}}),
            }}}},
    }

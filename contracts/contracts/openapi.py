"""The OpenAPI document of the HTTP intake (`POST /v1/customers`), exported as
contracts/openapi.json next to the AsyncAPI document, so an integrating team's client
generator and reviewers see the same security scheme and answers the service gives."""
from __future__ import annotations

from typing import Any

_RESULT = {"type": "object", "required": ["status"], "properties": {
    "status": {"type": "string", "enum": ["created", "updated", "unchanged", "erased", "rejected"],
               "description": "what the record became (rejected: kept for repair, see reason)"},
    "record_id": {"type": ["string", "null"], "description": "source:external_id when known"},
    "reason": {"type": "string", "description": "why a record was rejected"},
    "code": {"type": "integer", "description": "403 for a source the client may not write"},
    "errors": {"type": "array", "items": {"type": "string"}},
    "fields": {"type": "object", "description": "field errors by field path",
               "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    "error": {"type": "string", "description": "what was wrong with the body as a whole"},
    "quality": {"type": "array", "items": {"type": "string"},
                "description": "values kept as sent but flagged (a phone that is not one)"}}}
_ERROR = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}

# Documented examples, posted as they are by contracts' integration test
# (tests/ingestion/test_openapi_examples.py): request example NAME gets the answer whose
# response example has the same NAME.
RECORD = {"source": "web_form", "external_id": "W-1001", "name": "王小明",
          "phones": ["+86 138 0013 8000"], "birth_date": "1988-04-12", "branch": "BJ01",
          "financials": {"avg_daily_assets": 320000}}
REQUEST_EXAMPLES = {
    "one_record": RECORD,
    "an_array": [RECORD, {**RECORD, "external_id": "W-1002", "name": "李娜",
                          "phones": ["13900139000"]}],
    "a_broken_record": {"source": "web_form", "name": "张三"},
    "a_source_not_allowed": {**RECORD, "source": "core_banking", "external_id": "C-1"},
}
RESPONSE_EXAMPLES = {
    "202": {"one_record": {"results": [{"status": "created", "record_id": "web_form:W-1001",
                                        "quality": []}]},
            "an_array": {"results": [
                {"status": "created", "record_id": "web_form:W-1001", "quality": []},
                {"status": "created", "record_id": "web_form:W-1002", "quality": []}]}},
    "400": {"a_broken_record": {"status": "rejected", "reason": "missing_key",
                                "errors": ["external_id: is required and must be a non-empty "
                                           "string"],
                                "fields": {"external_id": ["is required and must be a "
                                                           "non-empty string"]}}},
    "401": {"no_token": {"error": "unauthenticated"}},
    "403": {"a_source_not_allowed": {"status": "rejected", "code": 403,
                                     "reason": "source_not_allowed",
                                     "errors": ["client web-portal may not write source "
                                                "core_banking"]}},
    "413": {"too_many_records": {"error": "at most 1000 records per request"}},
    "422": {"a_key_used_with_another_body": {
        "error": "this Idempotency-Key was used with another body; send a new key for a "
                 "new request"}},
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "The client's own value, unique per request (a UUID). A request sent "
                   "again with the same key and the same body gets the first answer again, "
                   "marked Idempotent-Replayed: true, and nothing is kept twice (no second "
                   "reject); the same key with another body is refused (422). Answers are "
                   "kept per client for at least 24 hours.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"}}
_REPLAYED = {"Idempotent-Replayed": {
    "description": "\"true\" when this is the answer kept for an earlier request with the "
                   "same Idempotency-Key", "schema": {"type": "string", "enum": ["true"]}}}


def _answer(text: str, schema: dict, status: str = "", replayable: bool = False) -> dict:
    content: dict = {"schema": schema}
    if RESPONSE_EXAMPLES.get(status):
        content["examples"] = {name: {"value": value}
                               for name, value in RESPONSE_EXAMPLES[status].items()}
    headers = {"headers": _REPLAYED} if replayable else {}
    return {"description": text, **headers, "content": {"application/json": content}}


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
            "parameters": [IDEMPOTENCY_KEY],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "oneOf": [record, {"type": "array", "items": record, "maxItems": 1000}]},
                "examples": {name: {"value": value}
                             for name, value in REQUEST_EXAMPLES.items()}}}},
            "responses": {
                "202": _answer("Accepted: one result per record, in order (a record of a "
                               "source the client may not write: status rejected, code 403, "
                               "reason source_not_allowed)",
                               {"type": "object", "required": ["results"], "properties": {
                                   "results": {"type": "array", "items": _RESULT}}}, "202",
                               replayable=True),
                "400": _answer("One record that breaks the contract (field errors), or a body "
                               "that is not UTF-8 JSON; kept as a reject. Also an "
                               "Idempotency-Key that is not 1-255 printable ASCII characters "
                               "(nothing kept)", {"anyOf": [_RESULT, _ERROR]}, "400",
                               replayable=True),
                "401": _answer("No token, or an unknown or revoked one "
                               "(WWW-Authenticate: Bearer)", _ERROR, "401"),
                "403": _answer("One record of a source the client may not write", _RESULT, "403",
                               replayable=True),
                "413": _answer("Body or record count over the limit", _ERROR, "413"),
                "422": _answer("This client used the Idempotency-Key before with another "
                               "body; send a new key (nothing kept)", _ERROR, "422"),
                "500": _answer("Unexpected error: details only in the service log, under "
                               "the returned id", {**_ERROR, "properties": {
                                   "error": {"type": "string"}, "id": {"type": "string"}}}),
            }}}},
    }

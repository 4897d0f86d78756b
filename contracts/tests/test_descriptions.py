"""What an integrator reads: a description for every field, servers and security in the
AsyncAPI document, and one example per channel that the contract itself accepts."""
import json

import jsonschema
import pytest
from marshmallow import Schema

from contracts import schemas
from contracts.batches import PREFIX, events_in
from contracts.descriptions import BY_SCHEMA
from contracts.export import asyncapi, json_schemas
from contracts.schemas import ErasureRequest, IntakeRecord, load_event

DOC = asyncapi()
CHANNELS = [(name, op, channel[op]["message"]) for name, channel in DOC["channels"].items()
            for op in ("publish", "subscribe") if op in channel]


def undescribed(schema: dict, path: str = "") -> list[str]:
    """Property paths without a description, through nested objects and array items."""
    missing = []
    for name, prop in (schema.get("properties") or {}).items():
        if not str(prop.get("description") or "").strip():
            missing.append(path + name)
        missing += undescribed(prop, f"{path}{name}.")
        missing += undescribed(prop.get("items") or {}, f"{path}{name}[].")
    return missing


@pytest.mark.parametrize("title", sorted(json_schemas()))
def test_every_field_of_every_schema_has_a_description(title):
    assert not undescribed(json_schemas()[title]), \
        f"add to contracts/contracts/descriptions.py: {undescribed(json_schemas()[title])}"


def test_the_check_finds_a_field_without_description():
    assert undescribed({"properties": {"a": {"description": "x", "properties": {"b": {}}},
                                       "c": {"items": {"properties": {"d": {}}}}}}) == \
        ["a.b", "c", "c[].d"]


def test_overrides_name_schemas_that_exist():
    classes = {n for n, v in vars(schemas).items() if isinstance(v, type) and issubclass(v, Schema)}
    assert set(BY_SCHEMA) <= classes, set(BY_SCHEMA) - classes


def test_servers_and_security_schemes():
    schemes = DOC["components"]["securitySchemes"]
    assert {"production", "local"} <= set(DOC["servers"])
    for server in DOC["servers"].values():
        assert server["protocol"] in ("amqp", "amqps") and server["description"]
        assert {k for req in server["security"] for k in req} <= set(schemes)
    for channel in DOC["channels"].values():
        for op in ("publish", "subscribe"):
            for req in channel.get(op, {}).get("security", []):
                assert set(req) <= set(schemes)
    downstream = DOC["channels"]["tiering.events/tier.changed"]["subscribe"]["security"]
    assert downstream == [{"downstreamSubscriber": []}]


@pytest.mark.parametrize("channel, op, message", CHANNELS, ids=[c[0] for c in CHANNELS])
def test_each_channel_has_an_example_the_contract_accepts(channel, op, message):
    [example] = message["examples"]
    title = message["payload"]["$ref"].removeprefix("jsonschema/").removesuffix(".json")
    jsonschema.validate(example["payload"], json_schemas()[title])
    payload = json.loads(json.dumps(example["payload"]))
    if title == "intake.customer.created":
        IntakeRecord().load(payload)
    elif title == "intake.customer.erase":
        ErasureRequest().load(payload)
    elif title.startswith(PREFIX):  # a batch message: every event it carries
        assert events_in(payload) and payload["batch_of"] == title.removeprefix(PREFIX)
        for event in events_in(payload):
            load_event(payload["batch_of"], event)
    else:
        load_event(title, payload)

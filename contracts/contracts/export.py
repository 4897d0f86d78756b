"""Export the contracts as JSON Schema files and an AsyncAPI document.

Run `python -m contracts.export` after changing a schema; a test fails while the
committed files differ from what this produces, so they cannot go stale.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from marshmallow import Schema, fields

from . import examples, names
from .descriptions import describe
from .batches import MAX_EVENTS, PREFIX, batch_key, batch_message
from .openapi import openapi
from .schemas import EVENTS, ErasureRequest, IntakeRecord
from .subscriptions import in_batches

ROOT = Path(__file__).resolve().parent.parent
DRAFT = "https://json-schema.org/draft/2020-12/schema"

_SIMPLE = {fields.String: "string", fields.Integer: "integer", fields.Float: "number",
           fields.Boolean: "boolean", fields.Dict: "object"}
# JSON Schema keywords a field may declare in its metadata (contracts.values.Amount ...)
_KEYWORDS = ("type", "pattern", "minimum", "description")


def field_schema(field: fields.Field, name: str = "", owner: str = "") -> dict:
    """JSON Schema of one marshmallow field (the subset the contracts use), with the field's
    description (its metadata's, else contracts.descriptions' for `name` in schema `owner`)."""
    out = _field_type(field)
    text = field.metadata.get("description") or (describe(owner, name) if name else None)
    return {"description": text, **out} if text else out


def _field_type(field: fields.Field) -> dict:
    if "type" in field.metadata:
        return {k: field.metadata[k] for k in _KEYWORDS if k in field.metadata}
    if isinstance(field, fields.Nested):
        out = schema_object(field.nested if isinstance(field.nested, type) else type(field.nested))
    elif isinstance(field, fields.List):
        out = {"type": "array", "items": field_schema(field.inner)}
    else:
        kind = next((v for k, v in _SIMPLE.items() if isinstance(field, k)), None)
        out = {"type": kind} if kind else {}
    choices = getattr(field.validate, "choices", None) if field.validate else None
    if choices:
        out["enum"] = list(choices) + ([None] if field.allow_none else [])
    if field.allow_none and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


def schema_object(schema_cls: type[Schema]) -> dict:
    declared = schema_cls._declared_fields
    return {
        "type": "object",
        "properties": {name: field_schema(f, name, schema_cls.__name__)
                       for name, f in declared.items()},
        "required": sorted(name for name, f in declared.items() if f.required),
    }


def document(schema_cls: type[Schema], title: str) -> dict:
    return {"$schema": DRAFT, "$id": f"{title}.json", "title": title,
            "description": (schema_cls.__doc__ or "").strip(), **schema_object(schema_cls)}


def json_schemas() -> dict[str, dict]:
    docs = {"intake.customer.created": document(IntakeRecord, "intake.customer.created"),
            "intake.customer.erase": document(ErasureRequest, "intake.customer.erase")}
    for event_type, (_, schema_cls) in EVENTS.items():
        docs[event_type] = document(schema_cls, event_type)
    for event_type in filter(in_batches, EVENTS):
        docs[batch_key(event_type)] = batch_document(event_type, docs[event_type])
    return docs


def batch_document(event_type: str, event: dict) -> dict:
    """The JSON Schema of `event_type`'s batch messages (contracts.batches): its events
    inline, so the document stands alone."""
    item = {k: v for k, v in event.items() if k not in ("$schema", "$id", "title")}
    title = batch_key(event_type)
    return {"$schema": DRAFT, "$id": f"{title}.json", "title": title,
            "description": f"Several {event_type} events in one message, in publish order: "
            "one message per publish pass of the source (contracts/contracts/batches.py).",
            "type": "object", "required": ["batch_of", "events"],
            "properties": {
                "batch_of": {"description": "The event type of every event in the message.",
                             "const": event_type},
                "events": {"description": f"The {event_type} events, each exactly as the "
                           "message published alone under the event type.",
                           "type": "array", "minItems": 1, "maxItems": MAX_EVENTS,
                           "items": item}}}


def asyncapi() -> dict:
    channels = {names.INTAKE_EXCHANGE + "/" + names.INTAKE_ROUTING_KEY: _channel(
        names.INTAKE_EXCHANGE, names.INTAKE_ROUTING_KEY, "intake.customer.created",
        "Upstream systems publish new or changed customers (persistent, application/json).",
        "publish"),
        names.INTAKE_EXCHANGE + "/" + names.INTAKE_ERASE_ROUTING_KEY: _channel(
        names.INTAKE_EXCHANGE, names.INTAKE_ERASE_ROUTING_KEY, "intake.customer.erase",
        "Upstream systems ask for a customer's personal data to be erased in every "
        "service (by customer_id, or by their own source and external_id); the pipeline "
        "answers with dedup.events/customer.erased.", "publish")}
    for event_type, (exchange, schema_cls) in EVENTS.items():
        channels[f"{exchange}/{event_type}"] = _channel(
            exchange, event_type, event_type, (schema_cls.__doc__ or event_type).strip(),
            "subscribe")
    for event_type in filter(in_batches, EVENTS):
        exchange, key = EVENTS[event_type][0], batch_key(event_type)
        channels[f"{exchange}/{key}"] = _channel(exchange, key, key, BATCH_TEXT.format(
            event_type=event_type, max=MAX_EVENTS), "subscribe")
    for key in (names.INTAKE_ROUTING_KEY, names.INTAKE_ERASE_ROUTING_KEY):
        channels[f"{names.INTAKE_EXCHANGE}/{key}"]["publish"]["security"] = [{UPSTREAM: []}]
    tier_changed = channels[f"{names.TIERING_EVENTS}/{names.TIER_CHANGED}"]["subscribe"]
    tier_changed["security"] = [{DOWNSTREAM: []}]
    channels[f"{names.TIERING_EVENTS}/{names.TIER_CHANGED}"]["description"] += (
        " Every tier.changed is also routed under the selection key "
        "tier.changed.<scheme>.<direction> (RabbitMQ sender-selected distribution: a BCC "
        "header, removed by the broker before delivery): bind under e.g. "
        "tier.changed.intent.* or tier.changed.*.up to receive part of the stream; the "
        "message keeps its routing key and reaches a queue once however many keys match. "
        "Characters other than letters, digits, _ and - in a scheme name become _.")
    return {
        "asyncapi": "2.6.0",
        "servers": SERVERS,
        "info": {"title": "Customer-pool pipeline", "version": names.SCHEMA_VERSION,
                 "description": "Events of the five services. Every exchange is a durable "
                 "topic exchange; messages are persistent JSON. Payload schemas are the files "
                 "in contracts/jsonschema/. When dedup merges golden customers, tiering sends, "
                 "for each scheme the absorbed customer had a tier in, one tier.changed with "
                 "direction 'removed', current null and merged_into naming the survivor "
                 "(an absorbed customer without tiers produces none); the survivor is "
                 "re-tiered as usual. Delivery is at least once: deduplicate on event_id."},
        "defaultContentType": "application/json",
        "channels": channels,
        "components": {"securitySchemes": {DOWNSTREAM: {
            "type": "userPassword",
            "description": "A downstream subscriber gets its own broker user that may declare, "
            "bind and read only queues named `<user>.<anything>`, bind them only to "
            "tiering.events, and publish nowhere (tools/stack/access.py "
            "downstream_permissions; examples/subscribe_tier_changed.py). Its durable queue "
            "keeps events while it is down; delivery is at least once: deduplicate on "
            "event_id."}, UPSTREAM: {
            "type": "userPassword",
            "description": "Each upstream client publishes with its own broker user (created "
            "by `crm clients add`, publish-only on crm.intake) and sets the AMQP `user_id` "
            "property to that user; RabbitMQ refuses a forged one. Ingestion keeps a message "
            "without it as a reject `unauthenticated`, a record of a source the client may "
            "not write as a reject `source_not_allowed`, and a customer.erase from a client "
            "without may_erase as a reject `erase_not_allowed` (docs/access-control.md)."}}},
    }


BATCH_TEXT = (
    "The {event_type} events of one publish pass of the source, up to {max} per message, in "
    "publish order, under the routing key batch.{event_type} on the same exchange: the same "
    "events as those published alone (same bodies, same event_id), for subscribers that "
    "consume in bulk; the pipeline's own services consume these. Bind under either key, "
    "not both (a binding under '#' receives both). Delivery is at least once: deduplicate "
    "on event_id.")
UPSTREAM = "upstreamClient"
DOWNSTREAM = "downstreamSubscriber"
SERVERS = {
    "production": {
        "url": "{host}:{port}", "protocol": "amqps", "protocolVersion": "0.9.1",
        "description": "The bank's RabbitMQ cluster (Kubernetes: the crm-rabbitmq "
        "RabbitmqCluster; Compose: the rabbitmq service), virtual host `/`, TLS. Every client "
        "connects with its own broker user.",
        "variables": {"host": {"description": "the broker's host name, given by operations"},
                      "port": {"default": "5671", "description": "AMQPS port"}},
        "security": [{UPSTREAM: []}, {DOWNSTREAM: []}]},
    "local": {
        "url": "127.0.0.1:{port}", "protocol": "amqp", "protocolVersion": "0.9.1",
        "description": "The private broker of `make up`; its port and the local client's "
        "URI are in .local/env (AMQP_URI, UPSTREAM_AMQP_URI).",
        "variables": {"port": {"description": "the port in .local/env's AMQP_URI"}},
        "security": [{UPSTREAM: []}, {DOWNSTREAM: []}]},
}


def _channel(exchange: str, key: str, schema_name: str, text: str, op: str) -> dict:
    return {
        "description": text,
        "bindings": {"amqp": {"is": "routingKey",
                              "exchange": {"name": exchange, "type": "topic", "durable": True}}},
        op: {"message": {"name": key, "payload": {"$ref": f"jsonschema/{schema_name}.json"},
                         "examples": [{"name": f"{key}-example", "payload": _example(key)}]}},
    }


def _example(key: str) -> dict:
    """The example of a routing key (an intake key, an event type or a batch key):
    contracts.examples."""
    if key.startswith(PREFIX):
        event_type = key.removeprefix(PREFIX)
        return batch_message(event_type, [examples.EVENTS[event_type]])
    return examples.INTAKE.get(key) or examples.EVENTS[key]


def rendered() -> dict[Path, str]:
    """Every exported file and its exact content."""
    files = {ROOT / "jsonschema" / f"{name}.json": json.dumps(doc, indent=2, ensure_ascii=False)
             + "\n" for name, doc in json_schemas().items()}
    files[ROOT / "asyncapi.json"] = json.dumps(asyncapi(), indent=2) + "\n"
    files[ROOT / "openapi.json"] = json.dumps(openapi(), indent=2) + "\n"
    return files


def main() -> None:
    for path, text in rendered().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    print(f"exported {len(rendered())} files", file=sys.stderr)


if __name__ == "__main__":
    main()

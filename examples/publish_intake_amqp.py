"""Publish intake records to the customer pool over AMQP, as an upstream system does.

    UPSTREAM_AMQP_URI=amqp://USER:PASSWORD@HOST:5672/ python publish_intake_amqp.py customers.json

Every record becomes one persistent JSON message on the `crm.intake` exchange with the
routing key `customer.created` (contracts/jsonschema/intake.customer.created.json). Three
things matter:
  * the AMQP `user_id` property must name the broker user you connect as: RabbitMQ refuses
    any other value, and ingestion keeps a message without one as a reject
    (`unauthenticated`);
  * publisher confirms: each publish returns once the broker has the message;
  * your client may write only the sources it was given (`crm clients add`): a record of
    another source is kept as a reject (`source_not_allowed`).
Delivery is at least once; a record sent twice (same source and external_id) is one customer.

Needs kombu (`pip install kombu`). Exit status 0 once every record is confirmed.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.parse

from kombu import Connection, Exchange, Producer

INTAKE = Exchange("crm.intake", type="topic", durable=True)
ROUTING_KEY = "customer.created"


def broker_user(uri: str) -> str:
    """The user named in an AMQP URI: the value `user_id` must carry."""
    return urllib.parse.unquote(urllib.parse.urlsplit(uri).username or "guest")


def publish(uri: str, records: list[dict]) -> int:
    """Publish each record as its own confirmed, persistent message; returns the count."""
    user = broker_user(uri)
    with Connection(uri, transport_options={"confirm_publish": True}) as conn:
        # declare nothing: an upstream user may only write to crm.intake
        producer = Producer(conn.channel(), exchange=INTAKE, auto_declare=False)
        for record in records:
            producer.publish(json.dumps(record, ensure_ascii=False), routing_key=ROUTING_KEY,
                             content_type="application/json", content_encoding="utf-8",
                             delivery_mode=2, user_id=user, declare=[], retry=True)
    return len(records)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", help="a JSON file: one record or an array of records")
    parser.add_argument("--uri", default=os.environ.get("UPSTREAM_AMQP_URI"),
                        help="broker URI of your upstream client (default: $UPSTREAM_AMQP_URI)")
    args = parser.parse_args(argv)
    if not args.uri:
        parser.error("give --uri or set UPSTREAM_AMQP_URI")
    with open(args.file, encoding="utf-8") as handle:
        loaded = json.load(handle)
    records = loaded if isinstance(loaded, list) else [loaded]
    print(f"published {publish(args.uri, records)} record(s) to crm.intake/{ROUTING_KEY}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

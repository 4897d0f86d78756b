"""Pure dedup domain logic: blocking keys, scoring, survivorship, golden customers.

No I/O here: the service wires these functions to RabbitMQ and MongoDB.
"""

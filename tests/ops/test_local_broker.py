"""The local stack's pipeline queues are classic queues (Compose and Kubernetes make them
quorum queues) kept in version 2 storage, the only one RabbitMQ 4 has. The Debian node is
3.10, whose default, version 1, cost the broker about 8 % more CPU per customer
(docs/benchmarks.md, session 23)."""
from __future__ import annotations

import json

import pytest

from tools.stack import access

pytestmark = pytest.mark.integration


def test_every_pipeline_queue_is_a_version_2_classic_queue(stack):
    api = access.Management(stack.stack.ports()["amqp_mgmt"])
    queues = json.loads(api.request(
        "queues/%2F?columns=name,type,backing_queue_status.version"))
    ours = {q["name"]: (q["type"], q.get("backing_queue_status", {}).get("version"))
            for q in queues if q["name"].startswith(("evt-", "crm."))}
    assert len(ours) > 10, sorted(ours)
    assert {name: kind for name, kind in ours.items() if kind != ("classic", 2)} == {}

"""common.following.FollowsCustomers: the three dedup entrypoints every follower of
golden customers inherits keep their public queue names and reach the service's `follow`
(no I/O: the service is a plain object with an in-memory parking store)."""
from __future__ import annotations

import pytest

from common.following import FollowsCustomers
from contracts import names

ENTRYPOINTS = {"on_registered": names.CUSTOMER_REGISTERED,
               "on_updated": names.CUSTOMER_UPDATED,
               "on_merged": names.CUSTOMER_MERGED}


class Follower(FollowsCustomers):
    name = "follower"

    def __init__(self):
        self.parked = None  # a good batch never parks
        self.followed: list[tuple[str, list[int]]] = []

    def follow(self, event_type, payloads):
        self.followed.append((event_type, [p["n"] for p in payloads]))


@pytest.mark.parametrize("method,event_type", sorted(ENTRYPOINTS.items()))
def test_each_entrypoint_is_a_reliable_dedup_event_handler(method, event_type):
    [entry] = getattr(FollowsCustomers, method).nameko_entrypoints
    assert (entry.source_service, entry.event_type) == ("dedup", event_type)
    assert entry.handler_type == "service_pool" and entry.reliable_delivery


@pytest.mark.parametrize("method,event_type", sorted(ENTRYPOINTS.items()))
def test_a_batch_reaches_follow_with_its_event_type(method, event_type):
    service = Follower()
    getattr(service, method)([{"n": 1}, {"n": 2}])
    getattr(service, method)({"n": 3})  # a parked message replayed alone
    assert service.followed == [(event_type, [1, 2]), (event_type, [3])]


def test_a_service_without_follow_fails_loudly():
    with pytest.raises(NotImplementedError):
        FollowsCustomers.follow(object(), names.CUSTOMER_UPDATED, [])


@pytest.mark.parametrize("service", ["campaigns", "groups", "reporting", "tiering"])
def test_the_followers_keep_their_queue_names(service):
    from tools.stack import access

    queues = {q.name for q in access.service_queues(service, "package")}
    assert {f"evt-dedup-{event_type}--{service}.{method}"
            for method, event_type in ENTRYPOINTS.items()} <= queues

"""How to call the pipeline's RPCs as someone: every request carries the AMQP `user_id`.

The services judge a caller only by the broker-validated `user_id` of its request
(RabbitMQ refuses a message whose user_id is not the user that published it), so a
caller must set it; nameko's standalone proxies do not. `IdentifiedRpcProxy` is
nameko's cluster proxy that does. Needs nameko (the `rpc` extra of crm-contracts).
"""
from __future__ import annotations

import urllib.parse

from nameko.rpc import ServiceProxy
from nameko.standalone.rpc import ClusterProxy, ClusterRpcProxy


def uri_user(amqp_uri: str) -> str:
    """The user of a broker URI (guest when it names none, as kombu assumes)."""
    return urllib.parse.unquote(urllib.parse.urlsplit(amqp_uri).username or "guest")


class _Identified(ClusterProxy):
    def __init__(self, worker_ctx, reply_listener, user: str):
        super().__init__(worker_ctx, reply_listener)
        self._user = user

    def __getattr__(self, name):
        if name not in self._proxies:
            self._proxies[name] = ServiceProxy(self._worker_ctx, name, self._reply_listener,
                                               user_id=self._user)
        return self._proxies[name]


class IdentifiedRpcProxy(ClusterRpcProxy):
    """nameko's standalone cluster proxy, sending its broker user as `user_id`:
    `with IdentifiedRpcProxy(uri) as proxy: proxy.tiering.stats()`."""

    def __init__(self, amqp_uri: str, timeout: float | None = None):
        super().__init__({"AMQP_URI": amqp_uri}, timeout=timeout)
        self._proxy = _Identified(self._worker_ctx, self._reply_listener, uri_user(amqp_uri))

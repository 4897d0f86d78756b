"""A client's broker user, created and deleted through RabbitMQ's management API.

The user may only publish to `crm.intake`, like the stack's `upstream`: the calls and
the permission are tools/stack/access.py's (one definition of what an upstream user
may do). Ingestion learns the API and an administrator from RABBITMQ_MANAGEMENT_URL
(http://user:password@host:15672); where the platform creates broker users itself
(no URL, or an image without tools/), adding a client says so instead.
"""
from __future__ import annotations

import os
import secrets
import urllib.error
import urllib.parse

PLATFORM_MESSAGE = ("ingestion cannot create broker users here (no RABBITMQ_MANAGEMENT_URL "
                    "or no tools.stack.access): the platform must create the client's broker "
                    "user, publish-only on crm.intake")


class BrokerUsersUnavailable(RuntimeError):
    """No management API: broker users are the platform's job."""


def _api(management_url: str | None):
    if not management_url:
        raise BrokerUsersUnavailable(PLATFORM_MESSAGE)
    try:
        from tools.stack import access
    except ImportError as exc:
        raise BrokerUsersUnavailable(PLATFORM_MESSAGE) from exc
    parts = urllib.parse.urlsplit(management_url)
    base = parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else ""))
    api = access.Management(urllib.parse.urlunsplit(base),
                            urllib.parse.unquote(parts.username or "guest"),
                            urllib.parse.unquote(parts.password or "guest"))
    return access, api


def create(management_url: str | None, user: str, vhost: str = "/",
           operator: bool = False) -> str:
    """Create (or reset) `user`, publish-only on crm.intake (an upstream client) or
    allowed RPC calls only (an operator); returns its new password."""
    access, api = _api(management_url)
    password = secrets.token_hex(16)
    vh = urllib.parse.quote(vhost, safe="")
    api.put(f"users/{user}", {"password": password, "tags": ""})
    api.put(f"permissions/{vh}/{user}", access.operator_permissions() if operator
            else access.upstream_permissions())
    return password


def delete(management_url: str | None, user: str) -> bool:
    """Delete `user` (RabbitMQ closes its connections); False when it did not exist."""
    _, api = _api(management_url)
    try:
        api.request(f"users/{urllib.parse.quote(user, safe='')}", method="DELETE")
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return False
        raise
    return True


def amqp_uri(service_uri: str, user: str, password: str) -> str:
    """The broker URI of `user`: host, port and vhost of the service's own URI."""
    parts = urllib.parse.urlsplit(service_uri)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{urllib.parse.quote(user, safe='')}:{urllib.parse.quote(password, safe='')}" \
             f"@{host}{f':{parts.port}' if parts.port else ''}"
    return urllib.parse.urlunsplit((parts.scheme or "amqp", netloc, parts.path or "/", "", ""))


def vhost_of(amqp_uri: str) -> str:
    path = urllib.parse.urlsplit(amqp_uri).path.lstrip("/")
    return urllib.parse.unquote(path) or "/"


def management_url(config: dict) -> str | None:
    return config.get("RABBITMQ_MANAGEMENT_URL") or \
        os.environ.get("RABBITMQ_MANAGEMENT_URL") or None

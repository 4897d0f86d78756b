"""The HTTP intake on its own port (INTAKE_PORT), apart from /metrics, /health, /ready.

Then a NetworkPolicy can let only the intake's clients reach the intake and only
Prometheus reach /metrics (deploy/k8s sets INTAKE_PORT=8001 beside WEB_PORT 8000).
nameko 2.14 shares one WebServer per container, keyed by its class: a subclass is a
second server, bound to INTAKE_PORT on WEB_SERVER_ADDRESS's host, serving only the
routes declared with `intake_http`. Without INTAKE_PORT (a deployment not updated yet)
the intake stays on the service's web port, as before.
"""
from __future__ import annotations

import os

from nameko.constants import WEB_SERVER_CONFIG_KEY
from nameko.web.server import BindAddress, WebServer, parse_address

from common.web import SafeHttpRequestHandler, http


def intake_port() -> int | None:
    """INTAKE_PORT as a port number; None when unset or empty."""
    value = os.environ.get("INTAKE_PORT", "").strip()
    if not value:
        return None
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ValueError(f"INTAKE_PORT must be a port number, not {value!r}")
    return int(value)


class IntakeServer(WebServer):
    """nameko's web server on INTAKE_PORT (same host as the service's web server)."""

    @property
    def bind_addr(self) -> BindAddress:
        web = parse_address(self.container.config.get(WEB_SERVER_CONFIG_KEY, "0.0.0.0:8000"))
        return BindAddress(web.address, intake_port())


class IntakeHttpHandler(SafeHttpRequestHandler):
    """common.web's `http` (generic 500 bodies) on the intake's own server."""

    server = IntakeServer()


# decided once, at import: the service class declares its entrypoints then
intake_http = IntakeHttpHandler.decorator if intake_port() else http

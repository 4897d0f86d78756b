"""HTTP entrypoints whose error answers tell the caller nothing about the inside.

nameko's `@http` answers an unexpected exception with `Error: <type>: <text>` and
status 500: the text of a database or driver error (host names, collection names,
sometimes a value) goes to whoever sent the request. This `http` answers
`{"error": "internal error", "id": "<correlation id>"}` instead; the exception and its
traceback go only to the (masking) log, under the same id, so an operator can find
them from what the caller reports. Expected exceptions (`expected_exceptions=`,
nameko's BadRequest) keep nameko's 400 answer: they are the caller's own mistakes.

Every service uses this `http` (common.base and each service's own routes).
"""
from __future__ import annotations

import json
import logging
import re
import uuid
from functools import partial

from eventlet.event import Event
from nameko.exceptions import BadRequest
from nameko.web.handlers import HttpRequestHandler
from werkzeug.wrappers import Request, Response

log = logging.getLogger("common.web")

CORRELATION_HEADER = "X-Correlation-ID"
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def correlation_id(request: Request | None) -> str:
    """The caller's X-Correlation-ID when it is a plain short token, else a new one
    (a header is caller input: it must not inject anything into logs or answers)."""
    given = request.headers.get(CORRELATION_HEADER, "") if request is not None else ""
    return given if _SAFE_ID.fullmatch(given) else uuid.uuid4().hex


def internal_error(cid: str) -> Response:
    """The generic 500 answer."""
    return Response(json.dumps({"error": "internal error", "id": cid}), status=500,
                    mimetype="application/json", headers={CORRELATION_HEADER: cid})


class SafeHttpRequestHandler(HttpRequestHandler):
    """nameko's HTTP entrypoint with a generic 500 body (details logged, not answered)."""

    def handle_request(self, request: Request) -> Response:
        """nameko's own handle_request (2.14), except that the request reaches the
        error answer: one entrypoint instance serves concurrent requests, so the
        correlation id cannot be kept on `self`."""
        request.shallow = False
        try:
            context_data = self.server.context_data_from_headers(request)
            args, kwargs = self.get_entrypoint_parameters(request)
            self.check_signature(args, kwargs)
            event = Event()
            self.container.spawn_worker(self, args, kwargs, context_data=context_data,
                                        handle_result=partial(self.handle_result, event))
            return self.response_from_result(event.wait())
        except Exception as exc:
            return self.response_from_exception(exc, request)

    def response_from_exception(self, exc: Exception, request: Request | None = None) -> Response:
        if isinstance(exc, self.expected_exceptions) or isinstance(exc, BadRequest):
            return super().response_from_exception(exc)
        cid = correlation_id(request)
        log.error("%s %s failed, answered 500 with id %s: %s: %s", self.method, self.url, cid,
                  type(exc).__name__, exc, exc_info=exc)
        return internal_error(cid)


http = SafeHttpRequestHandler.decorator

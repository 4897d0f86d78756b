"""crm's exit codes, and the one line it prints for an error instead of a traceback.

| code | meaning |
| 0 | done |
| 1 | failed: the service or the broker answered with an error, or there was nothing to do it on |
| 2 | usage: a wrong argument, option or value (also a value the service refused as
      invalid, e.g. a reject replayed and still rejected), or a confirmation not given |
| 3 | refused: the operator's grant does not allow it (docs/access-control.md) |
| 4 | cannot reach the stack: broker or management API unreachable, a service not running |
| 5 | timed out: no answer in time (an RPC, `crm drain --timeout`) |
"""
from __future__ import annotations

import errno
import socket
import urllib.error

DONE, FAILED, USAGE, REFUSED, UNREACHABLE, TIMED_OUT = 0, 1, 2, 3, 4, 5

EPILOG = ("exit codes: 0 done, 1 failed, 2 usage, 3 refused, 4 cannot reach the stack, "
          "5 timed out")


_NETWORK = (ConnectionError, socket.gaierror, socket.herror)
_NETWORK_ERRNOS = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EHOSTDOWN, errno.ENETDOWN}


class CrmError(Exception):
    """An error crm explains in one line and ends with `code`."""

    code = FAILED


class UsageError(CrmError):
    """The command line asks for something impossible (exit 2)."""

    code = USAGE


class Failed(CrmError):
    """The request was made and did not succeed, e.g. no such record (exit 1)."""

    code = FAILED


class TimedOut(CrmError):
    """Waited as long as allowed (exit 5)."""

    code = TIMED_OUT


def first_line(text: object) -> str:
    """The first non-empty line of an error text (a remote traceback stays remote)."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return lines[0] if lines else ""


def classify(exc: BaseException) -> tuple[int, str]:
    """(exit code, the line to print) for an exception a command let out."""
    if isinstance(exc, CrmError):
        text = first_line(exc)
        return exc.code, text if text.startswith("crm") else f"crm: {text}"
    name = type(exc).__name__
    if name == "RemoteError":
        kind, value = getattr(exc, "exc_type", ""), first_line(getattr(exc, "value", exc))
        if kind == "Forbidden":
            return REFUSED, f"crm: refused: {value}"
        return FAILED, f"crm: {kind}: {value}"
    if name == "AccessRefused" or "ACCESS_REFUSED" in str(exc):
        return REFUSED, ("crm: refused: the broker does not accept this operator's user "
                         "(revoked, or a wrong CRM_AMQP_URI)")
    if name == "RpcTimeout":
        return TIMED_OUT, f"crm: timed out: no answer from the service within {exc} s"
    if name == "UnknownService":
        service = getattr(exc, "_service_name", None) or first_line(exc)
        return UNREACHABLE, (f"crm: cannot reach the stack: service {service} is not "
                             "running (no consumer of its RPC queue)")
    return _transport(exc) or (FAILED, f"crm: {name}: {first_line(exc)}")


def _transport(exc: BaseException) -> tuple[int, str] | None:
    """Network errors: the management API (urllib), the broker (socket, kombu, amqp)."""
    if isinstance(exc, urllib.error.HTTPError):
        if exc.code in (401, 403):
            return REFUSED, f"crm: refused by RabbitMQ's management API: HTTP {exc.code}"
        return FAILED, f"crm: RabbitMQ's management API answered HTTP {exc.code}: {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        if isinstance(exc.reason, (socket.timeout, TimeoutError)):
            return TIMED_OUT, "crm: timed out: RabbitMQ's management API did not answer"
        return UNREACHABLE, (f"crm: cannot reach the stack: RabbitMQ's management API: "
                             f"{first_line(exc.reason)}")
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return TIMED_OUT, f"crm: timed out: {first_line(exc) or 'no answer from the broker'}"
    if isinstance(exc, _NETWORK) or getattr(exc, "errno", None) in _NETWORK_ERRNOS \
            or _is_connection_error(exc):
        return UNREACHABLE, f"crm: cannot reach the stack: the broker: {first_line(exc)}"
    if isinstance(exc, OSError) and exc.filename:
        return FAILED, f"crm: {exc.filename}: {exc.strerror}"
    return None


def _is_connection_error(exc: BaseException) -> bool:
    """kombu's OperationalError and amqp's connection errors, without importing them."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(names & {"OperationalError", "ConnectionForced", "RecoverableConnectionError",
                         "ConnectionError"})

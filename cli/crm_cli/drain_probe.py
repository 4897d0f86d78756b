"""The figures `crm drain` decides on (crm_cli.drain): each service's `work_pending`
RPC, the management API's unacknowledged counts, exact ready counts over AMQP."""
from __future__ import annotations

import time


from .client import SERVICES, IdentifiedRpcProxy, ReadyCounter, caller_uri, pipeline_queues
from .drain import Snapshot


class Probe:
    """One RPC connection and one AMQP connection for all the polls of a drain, each
    opened again after a broker error."""

    def __init__(self, rpc_timeout: float):
        self.rpc_timeout = rpc_timeout
        self.counter = ReadyCounter()
        self.runner: IdentifiedRpcProxy | None = None
        self.proxy = None

    def __enter__(self) -> "Probe":
        return self

    def __exit__(self, *exc) -> None:
        self._close_rpc()
        self.counter.close()

    def snapshot(self) -> Snapshot:
        """Services first, then queues: work that leaves a handler meanwhile lands in a
        queue (or the outbox) that is counted after it."""
        at, errors = time.monotonic(), []
        services = self._work_pending()
        if not any(isinstance(work, dict) for work in services.values()):
            self._close_rpc()  # nobody answered: maybe our connection died; reconnect
        queues: dict[str, tuple[int, int]] = {}
        try:
            listed = pipeline_queues()
            ready = self.counter.ready([q["name"] for q in listed])
            queues = {q["name"]: (ready[q["name"]], q.get("messages_unacknowledged") or 0)
                      for q in listed if q["name"] in ready}
        except Exception as exc:  # noqa: BLE001 - reported: the pipeline is not drained
            errors.append(f"queue counts unavailable: {type(exc).__name__}: {exc}")
        return Snapshot(at, queues, services, tuple(errors))

    def _work_pending(self) -> dict[str, dict | str]:
        """Every service's `work_pending()`, asked of all at once; a failure is a string."""
        if self.proxy is None and not self._open_rpc():
            return {name: "no RPC connection to the broker" for name in SERVICES}
        calls: dict = {}
        for name in SERVICES:
            try:
                calls[name] = getattr(self.proxy, name).work_pending.call_async()
            except Exception as exc:  # noqa: BLE001 - e.g. UnknownService: nobody consumes
                calls[name] = type(exc).__name__
        out: dict[str, dict | str] = {}
        for name, call in calls.items():
            try:
                out[name] = call if isinstance(call, str) else call.result()
            except Exception as exc:  # noqa: BLE001 - timeout, remote error, broker gone
                out[name] = getattr(exc, "exc_type", None) or type(exc).__name__
        return out

    def _open_rpc(self) -> bool:
        runner = IdentifiedRpcProxy(caller_uri(), timeout=self.rpc_timeout)
        try:
            self.proxy = runner.start()
        except Exception:  # noqa: BLE001 - the broker is away: this poll reports it
            return False
        self.runner = runner
        return True

    def _close_rpc(self) -> None:
        if self.runner is not None:
            try:
                self.runner.stop()
            except Exception:  # noqa: BLE001 - the connection is dead already
                pass
        self.runner = self.proxy = None

"""`crm drain`'s decision from snapshots over time, and the in-flight counter it reads."""
import pytest

from common.inflight import busy, in_flight
from common.reliability import reliable
from crm_cli.drain import DrainWatch, Snapshot, holds

IDLE_WORK = {"in_flight": 0, "outbox_pending": 0}
SERVICES = ("ingestion", "tiering")


def snap(at: float, queues=None, **services) -> Snapshot:
    work = {name: services.get(name, IDLE_WORK) for name in SERVICES}
    return Snapshot(at, queues or {"evt-a--tiering.on": (0, 0)}, work)


def test_idle_only_after_more_than_the_window_of_idle_polls():
    watch = DrainWatch(window=1.0)
    assert [watch.observe(snap(t)) for t in (0.0, 0.5, 1.0, 1.5)] == [False, False, False, True]


def test_any_busy_poll_restarts_the_window():
    watch = DrainWatch(window=1.0)
    assert not watch.observe(snap(0.0))
    assert not watch.observe(snap(0.9, {"evt-a--tiering.on": (0, 1)}))  # a sampled unacked
    assert not watch.observe(snap(1.5))
    assert not watch.observe(snap(2.5))
    assert watch.observe(snap(2.6))


@pytest.mark.parametrize("busy_snapshot, expected", [
    (snap(0, {"evt-a--tiering.on": (3, 0)}), "queue evt-a--tiering.on: 3 ready, 0 unacknowledged"),
    (snap(0, {"crm.intake.ingestion": (0, 2)}),
     "queue crm.intake.ingestion: 0 ready, 2 unacknowledged"),
    (snap(0, tiering={"in_flight": 0, "outbox_pending": 4}),
     "service tiering: 4 outbox row(s) pending"),
    (snap(0, ingestion={"in_flight": 2, "outbox_pending": 1}),
     "service ingestion: 1 outbox row(s) pending, 2 in flight"),
    (snap(0, tiering="RpcTimeout"), "service tiering: not answering (RpcTimeout)"),
])
def test_each_kind_of_pending_work_holds_the_pipeline_and_is_named(busy_snapshot, expected):
    assert holds(busy_snapshot) == [expected]
    watch = DrainWatch(window=0.0)
    assert not any(watch.observe(busy_snapshot) for _ in range(3))
    assert watch.report() == [expected]


def test_a_failed_probe_is_never_idle():
    broken = Snapshot(0.0, {}, {}, ("queue counts unavailable: ConnectionError: refused",))
    watch = DrainWatch(window=0.0)
    assert not watch.observe(broken) and not watch.observe(broken)
    assert watch.report() == ["queue counts unavailable: ConnectionError: refused"]


def test_the_report_of_a_short_idle_spell_names_what_held_before():
    watch = DrainWatch(window=5.0)
    watch.observe(snap(0.0, tiering={"in_flight": 0, "outbox_pending": 1}))
    watch.observe(snap(1.0))
    watch.observe(snap(3.0))
    assert watch.report() == ["idle for only 2.0s (needs more than 5.0s)",
                              "before that: service tiering: 1 outbox row(s) pending"]


def test_busy_counts_nested_work_and_survives_errors():
    assert in_flight() == 0
    with busy():
        with busy():
            assert in_flight() == 2
        assert in_flight() == 1
    with pytest.raises(RuntimeError), busy():
        raise RuntimeError
    assert in_flight() == 0


def test_reliable_handlers_run_inside_busy():
    class Service:
        name = "test"
        seen: list[int] = []

        @reliable
        def handle(self, payload):
            self.seen.append(in_flight())

    Service().handle({"event_id": "e1"})
    assert Service.seen == [1] and in_flight() == 0


def test_the_statistics_interval_comes_from_the_node_config_else_the_default(
        monkeypatch, tmp_path):
    from crm_cli import client
    conf = tmp_path / "rabbitmq.conf"
    conf.write_text("log.console = false\ncollect_statistics_interval = 1000\n")
    answers = {"overview": {"node": "crm-1@localhost"},
               "nodes/crm-1%40localhost": {"config_files": [str(tmp_path / "none"), str(conf)]}}
    monkeypatch.setattr(client, "management_get", answers.__getitem__)
    assert client.statistics_interval() == 1.0
    conf.write_text("log.console = false\n")
    assert client.statistics_interval() == client.DEFAULT_STATISTICS_INTERVAL
    answers["overview"]["statistics_interval"] = 250
    assert client.statistics_interval() == 0.25

"""Paced refreshes (pure: a fake clock)."""
from common.pacing import Pace, paced


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_refresh_that_took_d_seconds_waits_d_over_share_before_the_next():
    clock = Clock()
    pace = Pace(share=0.05, clock=clock)
    assert pace.due()
    pace.ran(2.0)  # 2 s of work: the next no sooner than 40 s later
    clock.now += 39.9
    assert not pace.due()
    clock.now += 0.2
    assert pace.due()


def test_a_cheap_refresh_runs_on_every_tick():
    clock = Clock()
    pace = Pace(share=0.05, clock=clock)
    pace.ran(0.01)
    clock.now += 1
    assert pace.due()


def test_the_decorated_timer_skips_ticks_that_come_too_soon():
    runs = []

    class Service:
        @paced("test_gauge", share=1e-9)  # any run makes the next one wait for ages
        def refresh(self):
            runs.append(1)
            return "refreshed"

    assert Service().refresh() == "refreshed"
    assert Service().refresh() is None  # a new instance per worker: the pace is shared
    assert runs == [1]

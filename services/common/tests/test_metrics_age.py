"""age_seconds: the value behind the review and reject age gauges (alerts on stuck work)."""
from datetime import datetime, timedelta, timezone

from common.metrics import age_seconds

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)


def test_no_oldest_document_is_age_zero():
    assert age_seconds(None, NOW) == 0.0


def test_age_of_an_aware_timestamp():
    assert age_seconds(NOW - timedelta(hours=25), NOW) == 25 * 3600


def test_a_naive_timestamp_is_read_as_utc():
    assert age_seconds(datetime(2026, 12, 2, 11, 59, 30), NOW) == 30


def test_a_timestamp_in_the_future_clock_skew_is_not_negative():
    assert age_seconds(NOW + timedelta(seconds=5), NOW) == 0.0

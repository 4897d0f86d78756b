"""Pure parts of notification: triggers, follow-up clock, backoff, masked rendering, signature."""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta, timezone

import pytest

from notification.dependencies import Messenger, template_environment
from notification.domain import triggers
from notification.plugins.signing import sign

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)


def test_assigned_tells_new_and_previous_maintainer():
    msgs = triggers.for_assigned({"manager_id": "M2", "previous_manager_id": "M1"})
    assert [(x.recipient, x.context["is_previous"]) for x in msgs] == [("M2", False),
                                                                       ("M1", True)]
    assert [x.recipient for x in triggers.for_assigned({"manager_id": "M2"})] == ["M2"]
    assert triggers.for_assigned({"manager_id": None, "previous_manager_id": "M1"})[0] \
        .recipient == "M1"


def test_tier_change_only_up_or_down_for_maintained():
    assert triggers.for_tier_change({"direction": "up"}, "M1")[0].recipient == "M1"
    assert triggers.for_tier_change({"direction": "new"}, "M1") == []
    assert triggers.for_tier_change({"direction": "up"}, None) == []


def test_review_goes_to_steward():
    assert triggers.for_review({}, "steward")[0].recipient == "steward"


def test_follow_up_intervals_per_class():
    assert triggers.next_follow_up("A", T0) == T0 + timedelta(days=7)
    assert triggers.next_follow_up("B", T0) == T0 + timedelta(days=14)
    assert triggers.next_follow_up("C", T0) == T0 + timedelta(days=30)
    assert triggers.next_follow_up("D", T0) is None
    assert triggers.next_follow_up("A", T0, {"A": 7}, day_seconds=1) == T0 + timedelta(seconds=7)


def test_follow_up_goes_to_maintainer_else_registrant_and_never_for_d():
    base = {"_id": "c1", "intent_class": "A", "registered_by": "R1"}
    assert triggers.for_follow_up(base)[0].recipient == "R1"
    assert triggers.for_follow_up({**base, "manager_id": "M1"})[0].recipient == "M1"
    assert triggers.for_follow_up({**base, "intent_class": "D"}) == []


def test_follow_up_recipient_is_the_maintained_rows_manager_over_a_prospects_copy():
    base = {"_id": "c1", "intent_class": "A", "registered_by": "R1", "manager_id": "OLD"}
    assert triggers.for_follow_up(base, maintained={"manager_id": "M2"})[0].recipient == "M2"
    # released to the backlog: the registrant, not the prospect's stale copy
    assert triggers.for_follow_up(base, maintained={"manager_id": None})[0].recipient == "R1"
    # no maintainer recorded (an erasure tombstone alone): the prospect's own copy
    assert triggers.for_follow_up(base, maintained={"erased": True})[0].recipient == "OLD"


def test_retry_delay_exponential_and_capped():
    assert [triggers.retry_delay(n, 0.5) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 4.0]
    assert triggers.retry_delay(30, 2, cap=60) == 60


def messenger():
    return Messenger({"log": object()}, template_environment(),
                     {"channel": "log", "language": "zh-CN"})


EVENT = {"customer_id": "c1", "band": "financial", "reason": "new customer",
         "is_previous": False,
         "display": {"name": "张三丰", "phone": "13812348000"}}


def test_rendering_masks_name_and_phone_in_both_languages():
    zh = messenger().render("customer.assigned", "zh-CN", EVENT)
    en = messenger().render("customer.assigned", "en", EVENT)
    for text in (zh, en):
        assert "张**" in text and "138****8000" in text
        assert "张三丰" not in text and "13812348000" not in text
    assert zh.startswith("新客户") and en.startswith("Customer")
    assert messenger().render("customer.assigned", "fr", EVENT) == zh  # unknown -> zh-CN


def test_rendering_never_shows_a_national_id_even_if_a_template_leaks_one():
    leak = messenger()
    text = leak.render("tier.changed", "en", {"customer_id": "110101199003071233",
                                              "direction": "up", "scheme": "star"})
    assert "110101199003071233" not in text and "1101" in text


def test_route_falls_back_to_log_and_recipient_address():
    prefs = messenger().route("M1", {"_id": "M1", "channel": "pigeon", "language": "en"})
    assert prefs == {"channel": "log", "language": "en", "address": "M1"}


def test_subjects_localised():
    assert messenger().subject("customer.assigned", "en") == "Customer assignment"
    assert messenger().subject("followup.reminder", "zh-CN") == "客户跟进提醒"


def test_webhook_signature_is_hmac_sha256_over_timestamp_and_body():
    body = b'{"a": 1}'
    expected = hmac.new(b"s3", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign("s3", 1700000000, body) == f"sha256={expected}"


@pytest.mark.parametrize("scheme", ["star", "service_band", "intent"])
@pytest.mark.parametrize("direction", ["new", "up", "down", "removed"])
def test_tier_changes_skipped_without_lookup_would_tell_nobody(scheme, direction):
    event = {"scheme": scheme, "direction": direction, "customer_id": "C1"}
    if not triggers.concerns_anyone(event):
        assert triggers.for_tier_change(event, "M1") == []
        assert scheme != "intent"  # intent always moves the follow-up clock
    else:
        assert scheme == "intent" or direction in ("up", "down")

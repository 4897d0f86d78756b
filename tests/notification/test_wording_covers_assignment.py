"""Issue 21 point 5: a zh-CN notification is Chinese in every part, an en one English.

No stack: the assignment code that writes the reasons is run for every tier, direction
and current maintainer it decides on, and each reason must be one notification's
wording recognises; then every template is rendered in both languages and read."""
from __future__ import annotations

import re

import pytest

from assignment.domain.erasure import ERASED
from assignment.domain.plan import plan
from assignment.domain.roles import BAND_ROLES, STAR_ROLES
from notification.dependencies import LANGUAGES, Messenger, template_environment
from notification.domain import wording

HAN = re.compile(r"[\u4e00-\u9fff]")
ALLOWED_LATIN = {"crm", "explain", "followup", "note"}  # the commands the text names


def _plan_reasons() -> set[str]:
    reasons = set()
    for mapping in (BAND_ROLES, STAR_ROLES):
        roles = sorted({r for rs in mapping.values() for r in rs})
        for tier in mapping:
            for direction in ("new", "up", "down"):
                for current in (None, *({"role": r} for r in roles)):
                    reasons.add(plan(tier, direction, current, mapping).reason)
    return reasons


def test_every_reason_assignment_writes_is_worded():
    written = _plan_reasons() | {"maintainer BJ01-007 deactivated", "merged into C-000042",
                                 "merge: survivor keeps the earlier maintainer", ERASED,
                                 "customer-choice"}
    unknown = sorted(r for r in written if not wording.known_reason(r))
    assert unknown == []
    for reason in written:
        zh = wording.reason_text(reason, "zh-CN")
        assert HAN.search(zh) and not re.search(r"[a-z]{3,}", zh.replace("BJ01", "")), zh
        assert not HAN.search(wording.reason_text(reason, "en"))


def _contexts() -> list[tuple[str, dict]]:
    display = {"name": "王芳", "phone": "+8613812348000"}
    out = []
    for reason in sorted(_plan_reasons()):
        for previous in (False, True):
            out.append(("customer.assigned", {"customer_id": "C-000042", "band": "financial",
                                              "reason": reason, "is_previous": previous,
                                              "display": display}))
    for scheme, tiers in (("star", ("2", "3")), ("service_band", ("branch", "financial")),
                          ("intent", ("C", "A"))):
        for direction in ("up", "down"):
            out.append(("tier.changed", {"customer_id": "C-000042", "scheme": scheme,
                                         "previous": tiers[0], "current": tiers[1],
                                         "direction": direction, "display": display,
                                         "reason": "avg_daily_assets 250000.00 >= 200000"}))
    out.append(("followup.reminder", {"customer_id": "C-000042", "intent_class": "A",
                                      "interval_days": 7, "display": display}))
    out.append(("customer.review_needed", {"record_id": "src:E-1", "candidate_id": "C-000042",
                                           "score": 0.81, "review_id": "R-1"}))
    return out


@pytest.mark.parametrize("template, context", _contexts())
def test_templates_speak_one_language(template, context):
    messenger = Messenger({}, template_environment(), {"channel": "log", "language": "zh-CN"})
    zh = messenger.render(template, "zh-CN", context)
    latin = set(re.findall(r"[A-Za-z]{2,}", re.sub(r"C-\d+|src:E-\d|R-\d", "", zh)))
    assert latin <= ALLOWED_LATIN, (zh, latin)
    en = messenger.render(template, "en", context)
    assert not HAN.search(en.replace("王*", "")), en  # the customer's own name aside
    assert {"zh-CN", "en"} == set(LANGUAGES)


def test_tier_and_direction_words():
    assert wording.tier_name("financial", "service_band", "zh-CN") == "理财"
    assert wording.tier_name("4", "star", "zh-CN") == "四星"
    assert wording.tier_name("4", "star", "en") == "4 star"
    assert wording.direction_name("down", "zh-CN") == "降级"
    assert wording.scheme_name("service_band", "en") == "service band"
    assert wording.reason_text("the customer moved house", "zh-CN") == "the customer moved house"

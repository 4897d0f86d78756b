"""The words of a notification in the recipient's language (pure).

Events carry identifiers (`service_band`, `financial`, `up`) and the English reason
text the assigning service wrote (assignment/domain/plan.py, roster.py, batch.py). A
maintainer reading Chinese must not get "原因：new customer in tier financial", so each
template names its language and every part that comes from an event goes through
here: scheme and tier names, directions, and the known reason sentences, matched by
their pattern and re-worded. A reason nobody taught this module (an operator's
free text, kept as typed) is quoted as it is: it is the operator's own words.
tests/notification/test_wording_covers_assignment.py checks that every reason the
assignment code can write is recognised.
"""
from __future__ import annotations

import re
from typing import Callable

ZH, EN = "zh-CN", "en"

SCHEMES = {
    "star": {ZH: "星级", EN: "star level"},
    "service_band": {ZH: "分层维护等级", EN: "service band"},
    "intent": {ZH: "意向等级", EN: "intent class"},
}
TIERS = {
    "star": {ZH: {"1": "一星", "2": "二星", "3": "三星", "4": "四星", "5": "五星"},
             EN: {t: f"{t} star" for t in "12345"}},
    "service_band": {ZH: {"private": "私人银行", "financial": "理财", "branch": "网点",
                          "staff": "网点员工维护", "mass": "大众"},
                     EN: {"private": "private", "financial": "financial", "branch": "branch",
                          "staff": "staff", "mass": "mass"}},
    "intent": {ZH: {c: f"{c}类" for c in "ABCD"}, EN: {c: f"class {c}" for c in "ABCD"}},
}
DIRECTIONS = {ZH: {"up": "升级", "down": "降级", "new": "新定级", "removed": "移除"},
              EN: {"up": "up", "down": "down", "new": "new", "removed": "removed"}}
NONE = {ZH: "无", EN: "none"}


def language(lang: str) -> str:
    return ZH if lang != EN else EN


def scheme_name(scheme: str | None, lang: str) -> str:
    return SCHEMES.get(scheme or "", {}).get(language(lang), scheme or NONE[language(lang)])


def tier_name(tier: str | None, scheme: str | None, lang: str) -> str:
    """A tier in words; a band without a scheme is read as a service band."""
    if tier in (None, ""):
        return NONE[language(lang)]
    names = TIERS.get(scheme or "service_band", {}).get(language(lang), {})
    if tier in names:
        return names[tier]
    for by_language in TIERS.values():  # a tier of another scheme (a star-level role mapping)
        if tier in by_language[language(lang)]:
            return by_language[language(lang)][tier]
    return str(tier)


def direction_name(direction: str | None, lang: str) -> str:
    return DIRECTIONS[language(lang)].get(direction or "", direction or "")


Reword = Callable[[re.Match, str], str]


def _tier(m: re.Match, lang: str, group: str = "tier") -> str:
    return tier_name(m.group(group), None, lang)


# (pattern of the English reason, its words per language); the first match wins.
REASONS: list[tuple[re.Pattern, dict[str, Reword]]] = [
    (re.compile(r"^new customer in tier (?P<tier>\S+)$"),
     {ZH: lambda m, l: f"新客户，分层为{_tier(m, l)}",
      EN: lambda m, l: f"new customer in the {_tier(m, l)} band"}),
    (re.compile(r"^tier (?P<tier>\S+) has no personal maintainer$"),
     {ZH: lambda m, l: f"{_tier(m, l)}客户不配专属维护人",
      EN: lambda m, l: f"{_tier(m, l)} customers have no personal maintainer"}),
    (re.compile(r"^upgrade: current maintainer keeps the customer$"),
     {ZH: lambda m, l: "客户升级，原维护人继续维护", EN: lambda m, l: m.group(0)}),
    (re.compile(r"^current maintainer's role serves the tier$"),
     {ZH: lambda m, l: "现维护人的岗位适用于新的分层", EN: lambda m, l: m.group(0)}),
    (re.compile(r"^tier moved (?P<direction>\S+) to (?P<tier>\S+): role changes$"),
     {ZH: lambda m, l: f"分层{direction_name(m.group('direction'), l)}为{_tier(m, l)}，维护岗位随之变更",
      EN: lambda m, l: f"moved {m.group('direction')} to the {_tier(m, l)} band: the maintaining role changes"}),
    (re.compile(r"^maintainer (?P<who>.+) deactivated$"),
     {ZH: lambda m, l: f"原维护人 {m.group('who')} 已停用", EN: lambda m, l: m.group(0)}),
    (re.compile(r"^merged into (?P<who>\S+)$"),
     {ZH: lambda m, l: f"客户已合并至 {m.group('who')}", EN: lambda m, l: m.group(0)}),
    (re.compile(r"^merge: survivor keeps the earlier maintainer$"),
     {ZH: lambda m, l: "客户合并，保留原维护人", EN: lambda m, l: m.group(0)}),
    (re.compile(r"^customer-choice$"),
     {ZH: lambda m, l: "客户自主选择", EN: lambda m, l: "the customer's choice"}),
    (re.compile(r"^erased$"),
     {ZH: lambda m, l: "客户个人信息已按要求删除", EN: lambda m, l: "the customer's data was erased"}),
]


def reason_text(reason: str | None, lang: str) -> str:
    """The reason in `lang` when it is one the services write; else as it was typed."""
    text = (reason or "").strip()
    for pattern, words in REASONS:
        match = pattern.match(text)
        if match:
            return words[language(lang)](match, language(lang))
    return text


def known_reason(reason: str) -> bool:
    return any(p.match(reason.strip()) for p, _ in REASONS)

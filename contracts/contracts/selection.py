"""Selection keys: the narrower routing keys an event is also routed under.

Why. Every `tier.changed` reached all four of its pipeline subscribers, a delivery each,
although assignment acts only on the scheme that decides a maintainer's role and
notification only on intent classes and moves up or down: a new customer's first star
level or service band was received, parsed and acknowledged twice for nothing (a fifth
of the broker's deliveries per customer). RabbitMQ's sender-selected distribution lets a
publish name further routing keys in its `BCC` header, which the broker routes like the
routing key and removes before delivery; a queue bound under several matching keys still
gets the message once. So `tier.changed` keeps its routing key and payload for every
subscriber bound to it, and is also routed under `tier.changed.<scheme>.<direction>`,
which a subscriber wanting part of the stream binds instead (`tier.changed.intent.*`,
`tier.changed.*.up`).

The subscribers keep their own filters: a queue still bound to the plain routing key
(an older deployment) gets everything, as before, and decides the same.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from . import names

ANY = "*"  # a topic binding's wildcard for one word
_NOT_A_WORD = re.compile(r"[^A-Za-z0-9_-]+")


def word(value: Any) -> str:
    """One routing-key word: a scheme or direction with anything that would split the key
    (a dot) or act as a wildcard (`*`, `#`) replaced, and `none` for a missing value."""
    return _NOT_A_WORD.sub("_", str(value)) if value not in (None, "") else "none"


def _tier_changed_key(scheme_word: str, direction_word: str) -> str:
    return f"{names.TIER_CHANGED}.{scheme_word}.{direction_word}"


def tier_changed_keys(schemes: Iterable[str] = (ANY,),
                      directions: Iterable[str] = (ANY,)) -> tuple[str, ...]:
    """Binding keys for the `tier.changed` events of `schemes` moving in `directions`
    (`ANY` for all); schemes and directions that are not `ANY` are made words as the
    publisher makes them."""
    def as_word(value: str) -> str:
        return value if value == ANY else word(value)
    return tuple(_tier_changed_key(as_word(s), as_word(d))
                 for s in schemes for d in directions)


def selection_keys(event_type: str, body: Mapping[str, Any]) -> tuple[str, ...]:
    """The keys a publish of `event_type` with `body` is also routed under (its BCC)."""
    if event_type == names.TIER_CHANGED:
        return (_tier_changed_key(word(body.get("scheme")), word(body.get("direction"))),)
    return ()


def topic_matches(binding_key: str, routing_key: str) -> bool:
    """Whether a topic exchange routes `routing_key` to a binding under `binding_key`
    (`*` one word, `#` zero or more), for a subscriber, or a test, to check which events
    a set of binding keys receives without a broker."""
    def match(bound: list[str], words: list[str]) -> bool:
        if not bound:
            return not words
        if bound[0] == "#":
            return match(bound[1:], words) or (bool(words) and match(bound, words[1:]))
        return bool(words) and bound[0] in (ANY, words[0]) and match(bound[1:], words[1:])
    return match(binding_key.split("."), routing_key.split("."))


def receives(binding_keys: Iterable[str], event_type: str, body: Mapping[str, Any]) -> bool:
    """Whether a queue bound under `binding_keys` gets this event: under its routing key
    or one of its selection keys."""
    keys = (event_type, *selection_keys(event_type, body))
    return any(topic_matches(bound, key) for bound in binding_keys for key in keys)

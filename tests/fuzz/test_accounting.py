"""The fuzz tests' model of what ingestion's AMQP consumer sees (pure, no broker).

The stack fuzz test predicts each message's outcomes from `helpers.decoded`; a wrong
model fails it for an input the service handles correctly. py-amqp decodes a body by
its `content_encoding` before kombu sees it (amqp.abstract_channel.dispatch_method,
`auto_decode`), keeping the bytes when that fails; the model must do the same."""
from __future__ import annotations

from kombu.exceptions import DecodeError

from tests.fuzz import helpers as h

NOT_UTF8_ARRAY = b'[{"name": "\xed\xa0\x80"}, {"kind": 1}]'  # a lone surrogate, as UTF-8


def test_bytes_that_are_not_utf8_sent_as_latin1_are_one_outcome_per_element():
    """Found in CI: kombu alone raised on such a body, the consumer kept two rejects."""
    seen = h.decoded(NOT_UTF8_ARRAY, "application/json", "latin-1")
    assert isinstance(seen, list) and h.expected_outcomes(seen) == 2


def test_bytes_that_are_not_utf8_sent_as_utf8_are_one_reject():
    seen = h.decoded(NOT_UTF8_ARRAY, "application/json", "utf-8")
    assert isinstance(seen, DecodeError) and h.expected_outcomes(seen) == 1


def test_a_binary_or_unknown_encoding_leaves_the_bytes_to_kombu():
    for encoding in ("binary", "x-unknown"):
        assert h.expected_outcomes(h.decoded(b"[1, 2]", "application/json", encoding)) == 2
        assert isinstance(h.decoded(b"[1, \xff]", "application/json", encoding), DecodeError)

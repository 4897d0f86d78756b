"""Reject excerpts (ingestion.domain.masking.mask_raw_text): raw input cut at 300
characters is masked by field name and by pattern, in every written form."""
from __future__ import annotations

import json

from ingestion.domain.intake import raw_excerpt
from ingestion.domain.masking import mask_raw_text

RAW = {"source": "pd_scan", "external_id": "PD-9", "name": "欧阳娜娜", "branch": "PD01",
       "national_id": "110101 19900307 7715", "national_id_type": "cn_resident",
       "phones": ["010-6552 1234", "(0755) 8888-6666", "6552 1234"],
       "contacts": [{"passport": "G1234567", "mobile": "+86 138 1234 8000"}],
       "financials": "lots"}
SECRETS = ("110101 19900307 7715", "110101199003077715", "6552 1234", "65521234",
           "8888-6666", "G1234567", "1234 8000", "欧阳娜娜")


def test_the_excerpt_of_a_rejected_record_keeps_no_personal_value():
    shown = mask_raw_text(raw_excerpt(RAW)[:300])
    for secret in SECRETS:
        assert secret not in shown, secret
    assert '"national_id": "1101**********7715"' in shown
    assert '"phones": ["010****1234", "075****6666", "****1234"]' in shown
    assert '"passport": "G*****67"' in shown and '"name": "欧***"' in shown
    assert '"external_id": "PD-9"' in shown and '"branch": "PD01"' in shown


def test_a_value_cut_off_by_the_excerpt_limit_is_masked_too():
    text = raw_excerpt(RAW)
    cut = text[:text.index("19900307") + 4]  # '... "national_id": "110101 1990'
    shown = mask_raw_text(cut)
    assert "110101 1990" not in shown and shown.endswith('"national_id": "1*******90')


def test_an_escaped_excerpt_is_masked_after_decoding():
    shown = mask_raw_text(json.dumps({"name": "张三丰", "passport": "E12345678"}, ensure_ascii=True))
    assert "\\u5f20" not in shown and "E12345678" not in shown
    assert shown == '{"name": "张**", "passport": "E******78"}'


def test_raw_excerpt_with_an_escaped_lone_surrogate_can_be_stored():
    """A JSON escape such as \\ud800 must not come back as a lone surrogate: the reject
    (its masked excerpt) could not be written to the database."""
    import bson
    masked = mask_raw_text(raw_excerpt({"name": "\ud800", "note": "x\udfffy"}))
    bson.encode({"excerpt": masked})
    assert "\ufffd" in masked

"""The JSON log formatter masks personal data by field name and by pattern.

Records passed as log arguments and `extra` fields are masked by their field names (a
hyphenated ID or a landline under `national_id` / `phones` included); the message and
exception text by pattern; fields without personal data are written as they are.
"""
import json
import logging

from common.logs import MaskingJsonFormatter

SECRETS = ("110101-19900307-7715", "110101199003077715", "E12345678", "010-6552 1234",
           "01065521234", "65521234", "(0755) 8888-6666", "075588886666", "张三丰")


def _line(msg, *args, exc_info=None, extra=None) -> dict:
    record = logging.getLogger("t").makeRecord("t", logging.INFO, __file__, 1, msg, args,
                                               exc_info, extra=extra)
    text = MaskingJsonFormatter("svc").format(record)
    for secret in SECRETS:
        assert secret not in text, secret
    return json.loads(text)


def test_records_passed_as_arguments_are_masked_by_field_name():
    record = {"customer_id": "C1", "national_id": "110101-19900307-7715",
              "contacts": [{"landline": "010-6552 1234"}], "passport": "E12345678"}
    line = _line("record %s stored in %s", record, "BJ01")
    assert line["msg"] == ("record {'customer_id': 'C1', 'national_id': '1101**********7715', "
                           "'contacts': [{'landline': '010****1234'}], 'passport': 'E******78'} "
                           "stored in BJ01")


def test_a_mapping_argument_is_masked_by_the_names_the_message_uses():
    line = _line("%(phone)s of %(name)s at %(branch)s",
                 {"phone": "(0755) 8888-6666", "name": "张三丰", "branch": "SZ01"})
    assert line["msg"] == "075****6666 of 张** at SZ01"


def test_extra_fields_are_written_masked_by_field_name():
    line = _line("intake", extra={"national_id": "110101 19900307 7715", "tier": "gold",
                                  "phones": ["65521234"], "customer_id": "C1",
                                  "record": {"id_number": "E12345678", "branch": "BJ01"}})
    assert line["extra"] == {"national_id": "1101**********7715", "tier": "gold",
                             "phones": ["****1234"], "customer_id": "C1",
                             "record": {"id_number": "E******78", "branch": "BJ01"}}


def test_free_text_and_exceptions_are_masked_by_pattern():
    try:
        raise ValueError("bad id 110101-19900307-7715 for +86 10 6552 1234")
    except ValueError as exc:
        line = _line("failed: %s", exc, exc_info=(type(exc), exc, exc.__traceback__))
    assert line["msg"] == "failed: bad id 1101**********7715 for 106****1234"
    assert "1101**********7715" in line["exc"]


def test_a_line_without_personal_data_is_unchanged_and_has_no_extra():
    line = _line("batch of %d in %s", 12, "tiering")
    assert line["msg"] == "batch of 12 in tiering" and "extra" not in line
    assert line["service"] == "svc" and line["level"] == "INFO"


def test_arguments_that_do_not_fit_the_message_are_written_masked_not_raised():
    circular = {"national_id": "110101-19900307-7715"}
    circular["self"] = circular
    assert _line("one %s %s", {"passport": "E12345678"})["msg"] == \
        "one %s %s {'passport': 'E******78'}"
    assert "1101**********7715" in _line("loop %s", circular)["msg"]
    assert _line("x", extra={"rec": circular})["extra"]["rec"].startswith(
        "{'national_id': '1101**********7715'")

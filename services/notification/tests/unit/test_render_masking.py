"""Notification texts mask the context's personal fields by name (common.pii), so even
a template that prints a field without a masking filter writes no personal data, in
forms the free-text patterns cannot recognise (a local landline without area code)."""
from __future__ import annotations

from jinja2 import DictLoader, Environment

from notification.dependencies import Messenger, template_environment

CONTEXT = {"customer_id": "C1", "branch": "SZ01", "tier": "gold",
           "contact": {"landline": "6552 1234", "name": "Zhang Sanfeng"},
           "national_id": "110101-19900307-7715", "display": {"phone": "(0755) 8888-6666"}}


def _messenger(template: str) -> Messenger:
    env = Environment(loader=DictLoader({"plain.en.txt": template}))
    return Messenger({}, env, {})


def test_an_unfiltered_template_writes_personal_fields_masked():
    text = _messenger("{{ customer_id }} {{ branch }} {{ tier }}: {{ contact.name }} "
                      "{{ contact.landline }} {{ national_id }} {{ display.phone }}"
                      ).render("plain", "en", CONTEXT)
    assert text == "C1 SZ01 gold: Z*** S*** ****1234 1101**********7715 075****6666"


def test_the_package_templates_mask_a_landline_display_phone():
    env = template_environment()
    text = Messenger({}, env, {}).render("customer.assigned", "en", {
        "customer_id": "C1", "band": "financial", "reason": "new", "is_previous": False,
        "display": {"name": "张三丰", "phone": "+86 10 6552 1234"}})
    assert "106****1234" in text and "6552 1234" not in text and "张**" in text

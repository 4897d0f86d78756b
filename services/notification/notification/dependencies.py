"""Notification's dependencies: configured channel plugins and the template renderer."""
from __future__ import annotations

from jinja2 import ChainableUndefined, Environment, PackageLoader
from nameko.extensions import DependencyProvider

from common.pii import mask_fields, mask_name, mask_phone, mask_text
from common.plugins import load_plugins

from .domain import wording

LANGUAGES = ("zh-CN", "en")
# Subject lines per template and language (the body lives in templates/*.txt).
SUBJECTS = {
    "customer.assigned": {"zh-CN": "客户分配通知", "en": "Customer assignment"},
    "tier.changed": {"zh-CN": "客户分层变化", "en": "Customer tier changed"},
    "customer.review_needed": {"zh-CN": "疑似重复客户待复核", "en": "Possible duplicate to review"},
    "followup.reminder": {"zh-CN": "客户跟进提醒", "en": "Follow-up reminder"},
}


def template_environment() -> Environment:
    """Templates from the package, with masking filters so templates mask by default."""
    env = Environment(loader=PackageLoader("notification", "templates"),
                      undefined=ChainableUndefined, autoescape=False)
    env.filters["mask_name"] = lambda v: mask_name(str(v)) if v else v
    env.filters["mask_phone"] = lambda v: mask_phone(str(v)) if v else v
    # Words from events in the template's language (domain/wording.py).
    env.filters["scheme_name"] = wording.scheme_name
    env.filters["tier_name"] = wording.tier_name
    env.filters["direction_name"] = wording.direction_name
    env.filters["reason_text"] = wording.reason_text
    return env


class Messenger:
    def __init__(self, channels: dict, env: Environment, defaults: dict):
        self.channels = channels
        self.env = env
        self.defaults = defaults

    def render(self, template: str, language: str, context: dict) -> str:
        language = language if language in LANGUAGES else "zh-CN"
        text = self.env.get_template(f"{template}.{language}.txt").render(
            **mask_fields(context, text_keys=())).strip()  # by field name (common.pii)
        return mask_text(text)  # a last guard: nothing unmasked leaves, whatever the template

    def subject(self, template: str, language: str) -> str:
        language = language if language in LANGUAGES else "zh-CN"
        return SUBJECTS.get(template, {}).get(language, template)

    def route(self, recipient: str, stored: dict) -> dict:
        prefs = {**self.defaults, **{k: v for k, v in stored.items() if k != "_id"}}
        if prefs["channel"] not in self.channels:
            prefs["channel"] = "log"
        prefs.setdefault("address", recipient)
        return prefs

    def send(self, channel: str, address: str, subject: str, text: str, meta: dict) -> None:
        self.channels[channel].send(address, subject, text, meta)


class Channels(DependencyProvider):
    def setup(self) -> None:
        config = self.container.config
        settings = config.get("channels") or {"log": {}}
        plugins = load_plugins("crm.notification_channels", list(settings))
        env = template_environment()
        self.messenger = Messenger({n: cls(settings[n] or {}) for n, cls in plugins.items()},
                                   env, dict(config.get("default_preferences") or
                                             {"channel": "log", "language": "zh-CN"}))

    def get_dependency(self, worker_ctx) -> Messenger:
        return self.messenger

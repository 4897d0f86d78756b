"""Configuration from a service's YAML file with ${ENV_VAR:default} substitution.

The environment wins over the file, so the same package runs on a laptop, in
Compose and in Kubernetes with nothing but environment variables changed.
"""
from __future__ import annotations

import os
import re
from importlib import resources
from typing import Any

import yaml

_VAR = re.compile(r"\$\{([A-Z0-9_]+)(?::([^}]*))?\}")


def _expand(text: str) -> str:
    return _VAR.sub(lambda m: os.environ.get(m.group(1), m.group(2) or ""), text)


def load_config(service: str) -> dict[str, Any]:
    """Read `<service>/config.yaml` from the installed package, expanded from the environment."""
    text = resources.files(service).joinpath("config.yaml").read_text(encoding="utf-8")
    config = yaml.safe_load(_expand(text)) or {}
    config.setdefault("AMQP_URI", os.environ.get("AMQP_URI", "amqp://guest:guest@localhost:5672/"))
    config.setdefault("MONGO_URI", os.environ.get("MONGO_URI", "mongodb://localhost:27017/"))
    port = os.environ.get("WEB_PORT")
    if port:
        config["WEB_SERVER_ADDRESS"] = f"{os.environ.get('WEB_HOST', '127.0.0.1')}:{port}"
    return config

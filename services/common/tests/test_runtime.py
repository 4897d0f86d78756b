"""Config expansion, plugin loading and retry backoff of the shared runtime."""
import pytest

from common import config as config_module
from common.plugins import UnknownPlugin, load_plugins
from common.reliability import backoff


def test_env_wins_over_the_file_defaults(monkeypatch):
    monkeypatch.setenv("TIERING_STAR_GRACE", "3")
    monkeypatch.setenv("WEB_PORT", "9123")
    monkeypatch.delenv("TIERING_RULES_FILE", raising=False)
    config = config_module.load_config("tiering")
    assert config["downgrade_grace"]["star"] == 3
    assert config["rules_file"] is None or config["rules_file"] == ""
    assert config["WEB_SERVER_ADDRESS"].endswith(":9123")


def test_builtin_plugins_load_through_entry_points():
    plugins = load_plugins("crm.tiering_schemes", ["star", "service_band"])
    assert list(plugins) == ["star", "service_band"]
    assert plugins["star"]().name == "star"


def test_unknown_plugin_names_fail_at_start_up():
    with pytest.raises(UnknownPlugin, match="nope"):
        load_plugins("crm.assignment_strategies", ["least_loaded", "nope"])


def test_backoff_grows_exponentially_and_is_capped():
    assert [backoff(a) for a in range(3)] == [0.5, 1.0, 2.0]
    assert backoff(20) == 10.0

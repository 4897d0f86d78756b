"""The operations checks never skip in CI (issue 22, point 7).

A check that skips when its tool is missing guards nothing on the machine where it matters:
with CI=true a missing promtool, prometheus or kubectl is installed by the test set-up
(tests/ops/tools.require_tool) or fails the run. pytest runs with --strict-markers, so a
misspelt marker (`@pytest.mark.integraton`) is an error instead of a silently unselected test.
"""
from __future__ import annotations

import configparser
import re

import pytest

from . import tools
from .tools import ROOT

OPS_DIR = ROOT / "tests" / "ops"
SKIP = re.compile(r"pytest\.(skip|importorskip)\(|pytest\.mark\.skip(if)?\b")
# Not an operations tool: skips when a service package is missing from the venv (the venv
# always has them in CI); listed here so that any new skip in tests/ops is a decision.
ALLOWED = {"tools.py": "require_tool: fails instead under CI=true",
           "test_broker_access.py": "imports the service packages"}


def test_pytest_runs_with_strict_markers():
    config = configparser.ConfigParser()
    config.read(ROOT / "pytest.ini")
    assert "--strict-markers" in config["pytest"]["addopts"].split()
    assert {"integration", "faults"} <= {line.split(":")[0].strip() for line in
                                         config["pytest"]["markers"].strip().splitlines()}


def test_no_operations_test_skips_on_its_own():
    offenders = sorted(p.name for p in OPS_DIR.glob("*.py")
                       if p.name not in ALLOWED and SKIP.search(p.read_text()))
    assert not offenders, f"use tools.require_tool (fails under CI=true), not a skip: {offenders}"


def test_a_missing_tool_fails_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(tools, "_apt_install", lambda package, tool: None)
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        tools.require_tool("crm-no-such-tool", "crm-no-such-package")


def test_a_missing_tool_skips_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(tools, "_apt_install", lambda package, tool: None)
    with pytest.raises(pytest.skip.Exception):
        tools.require_tool("crm-no-such-tool", "crm-no-such-package")


def test_a_present_tool_is_found_without_installing(monkeypatch):
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(tools, "_apt_install", lambda package, tool: pytest.fail("installed"))
    assert tools.require_tool("sh", "dash").endswith("/sh")

"""Shared helpers for the operations checks: repository paths and external tools."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("ingestion", "dedup", "tiering", "assignment", "notification", "campaigns", "reporting", "groups")
PROMETHEUS_DIR = ROOT / "deploy" / "prometheus"
K8S_DIR = ROOT / "deploy" / "k8s"


def in_ci() -> bool:
    """CI=true (GitHub Actions, GitLab, .ci/run's callers): operations checks must run there."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _apt_install(package: str, tool: str) -> None:
    """apt-get install, then once more after apt-get update (a fresh CI image has no lists)."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for step in (["install", "-y", "-qq", package], ["update", "-qq"],
                 ["install", "-y", "-qq", package]):
        if shutil.which(tool):
            return
        subprocess.run(["apt-get", *step], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=600)


def require_tool(name: str, apt_package: str) -> str:
    """Path of a command-line tool, installed from Debian when missing.

    Without it the test fails under CI=true (a check that silently skips in CI guards
    nothing); elsewhere, when it cannot be installed (no root, no mirror), it skips."""
    path = shutil.which(name)
    if not path:
        _apt_install(apt_package, name)
        path = shutil.which(name)
    if not path:
        message = (f"{name} is not installed and could not be installed "
                   f"(apt-get install {apt_package} needs root and the Debian mirror)")
        if in_ci():
            pytest.fail(message + "; CI=true: the operations checks must not skip",
                        pytrace=False)
        pytest.skip(message)
    return path


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kwargs)

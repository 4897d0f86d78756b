"""Shared helpers for the operations checks: repository paths and external tools."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("ingestion", "dedup", "tiering", "assignment", "notification")
PROMETHEUS_DIR = ROOT / "deploy" / "prometheus"
K8S_DIR = ROOT / "deploy" / "k8s"


def _apt_install(package: str) -> None:
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "install", "-y", "-qq", package], env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)


def require_tool(name: str, apt_package: str) -> str:
    """Path of a command-line tool, installed from Debian when missing; skip only if impossible."""
    path = shutil.which(name)
    if not path:
        _apt_install(apt_package)
        path = shutil.which(name)
    if not path:
        pytest.skip(f"{name} is not installed and could not be installed "
                    f"(apt-get install {apt_package} needs root and the Debian mirror)")
    return path


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kwargs)

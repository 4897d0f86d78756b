"""A Prometheus (Debian package `prometheus`) scraping a local stack.

Shared by `make up` (one Prometheus per stack, recorded under pids/ like every other
component, so `make down` stops it by PID) and by tests/ops/test_live_metrics.py (a
private one per test, scraping every second). Both scrape the five services' /metrics and
RabbitMQ's per-object endpoint, as deploy/prometheus/prometheus.yml does, and load the
alert rules of deploy/prometheus/rules.yml, so what operators see locally is what the
deployed rules evaluate.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "rules.yml"
PACKAGE = "prometheus"
# per queue (depth, consumers), as deploy/prometheus/prometheus.yml scrapes it
RABBIT_PATH = "/metrics/per-object"
RABBIT_JOB = "rabbitmq"


def scrape_config(targets: dict[str, str], rabbit: str | None, interval: str = "5s",
                  rules: Path = RULES) -> dict:
    """The configuration: one job per service named after it (its /metrics URL), a
    `rabbitmq` job on the broker's per-object endpoint when there is a broker of ours
    (`rabbit` is its /metrics URL), the alert rules loaded."""
    jobs = []
    for job, url in targets.items():
        parts = urllib.parse.urlsplit(url)
        jobs.append({"job_name": job, "metrics_path": parts.path or "/metrics",
                     "static_configs": [{"targets": [parts.netloc]}]})
    if rabbit:
        jobs.append({"job_name": RABBIT_JOB, "metrics_path": RABBIT_PATH,
                     "static_configs": [{"targets": [urllib.parse.urlsplit(rabbit).netloc]}]})
    return {"global": {"scrape_interval": interval, "evaluation_interval": interval},
            "rule_files": [str(rules)], "scrape_configs": jobs}


def write_config(base: Path, config: dict) -> Path:
    """Write `prometheus.yml` under `base` (created), where the data directory goes too."""
    base.mkdir(parents=True, exist_ok=True)
    path = base / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def command(binary: str, base: Path, port: int) -> list[str]:
    """The command line of a Prometheus whose configuration and data live under `base`,
    listening on 127.0.0.1 only."""
    return [binary, f"--config.file={base / 'prometheus.yml'}",
            f"--storage.tsdb.path={base / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}"]


def ensure_installed() -> str | None:
    """The prometheus binary, installed with apt when missing and we are root (as
    tools/stack/rabbit.py installs rabbitmq-server); None when it cannot be had: the stack
    then runs without it, since nothing in the pipeline depends on it."""
    found = shutil.which("prometheus")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    print("stack: installing prometheus with apt ...", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for step in (["update", "-qq"], ["install", "-y", "-qq", PACKAGE]):
        try:
            subprocess.run(["apt-get", *step], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=600, check=False)
        except subprocess.TimeoutExpired:
            return None
    return shutil.which("prometheus")


class Api:
    """Prometheus's HTTP API at `url` (http://127.0.0.1:PORT)."""

    def __init__(self, url: str):
        self.url = url.rstrip("/")

    def _fetch(self, path: str) -> str:
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return response.read().decode()

    def get(self, path: str, **params: str) -> dict | list:
        """The `data` of an API answer, which must have succeeded."""
        query = "?" + urllib.parse.urlencode(params) if params else ""
        body = json.loads(self._fetch(path + query))
        if body.get("status") != "success":
            raise RuntimeError(f"{path}: {body}")
        return body["data"]

    def query(self, expr: str) -> list[dict]:
        return self.get("/api/v1/query", query=expr)["result"]

    def value(self, expr: str) -> float:
        result = self.query(expr)
        return float(result[0]["value"][1]) if result else 0.0

    def ready(self) -> bool:
        try:
            self._fetch("/-/ready")
            return True
        except Exception:
            return False

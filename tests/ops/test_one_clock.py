"""One clock (issue 18): the services read the time through common.clock, and pure domain
code not at all: it takes the time as an argument from the layer that calls it."""
from __future__ import annotations

import re
from pathlib import Path

from .tools import ROOT, SERVICES

DOMAIN_READS = re.compile(r"\b(datetime\.(now|utcnow|today)\(|date\.today\(|time\.time\(|"
                          r"common\.clock|from common import clock)")


def service_modules() -> list[Path]:
    """Every module the services run: their packages and common (not tests, not benches)."""
    roots = [ROOT / "services" / "common" / "common", *(ROOT / "services" / s / s for s in SERVICES)]
    return [p for r in roots for p in r.rglob("*.py") if "__pycache__" not in p.parts]


def offenders(paths: list[Path], pattern: re.Pattern) -> list[str]:
    return [f"{p.relative_to(ROOT) if p.is_relative_to(ROOT) else p}:{n}: {line.strip()}"
            for p in paths
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if pattern.search(line)]


def test_domain_code_takes_the_time_as_an_argument():
    domain = [p for p in service_modules() if "domain" in p.relative_to(ROOT).parts]
    assert len(domain) > 20
    found = offenders(domain, DOMAIN_READS)
    assert found == [], "pass the time in from the caller:\n" + "\n".join(found)


def test_the_checks_see_a_clock_read(tmp_path):
    """Guard: the patterns catch what they are meant to."""
    module = tmp_path / "x.py"
    module.write_text("def _now():\n    return datetime.now(timezone.utc)\nd = date.today()\n"
                      "from common import clock\nt = time.time()\nx = now\n")
    assert len(offenders([module], DOMAIN_READS)) == 4


SERVICE_READS = re.compile(r"\b(datetime\.(now|utcnow|today)\(|date\.today\(|def _now\()")


def test_services_read_the_time_through_common_clock_only():
    """Outside common/clock.py no service module asks the system for the time itself, so
    a test or a drill can move one clock (and UTC is chosen once)."""
    modules = [p for p in service_modules() if p.name != "clock.py"]
    found = offenders(modules, SERVICE_READS)
    assert found == [], "use common.clock.now() / today():\n" + "\n".join(found)

"""Every alert has a runbook in docs/operations.md (what it means, what to run), and the
alerts table links each alert to it (issue 22, point 2)."""
from __future__ import annotations

import re

import yaml

from .tools import PROMETHEUS_DIR, ROOT

DOCS = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")


def alerts() -> set[str]:
    groups = yaml.safe_load((PROMETHEUS_DIR / "rules.yml").read_text())["groups"]
    return {rule["alert"] for group in groups for rule in group["rules"] if "alert" in rule}


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    return re.sub(r"[^a-z0-9 -]", "", heading.strip().lower()).replace(" ", "-")


def runbooks() -> dict[str, str]:
    """Alert name -> the text of the runbook section whose heading names it."""
    sections = re.split(r"^#### ", DOCS.split("### Runbooks", 1)[1], flags=re.M)[1:]
    return {name: section for section in sections
            for name in re.findall(r"Crm[A-Za-z]+", section.splitlines()[0])}


def test_every_alert_has_a_runbook_that_says_what_it_means_and_what_to_run():
    found = runbooks()
    assert alerts() and not alerts() - set(found), f"no runbook for {alerts() - set(found)}"
    for name in alerts():
        assert "Means:" in found[name] and "Run:" in found[name], name
    assert not set(found) - alerts(), f"runbooks of alerts that do not exist: {set(found) - alerts()}"


def test_the_alerts_table_links_each_alert_to_its_runbook():
    headings = {slug(h) for h in re.findall(r"^#### (.+)$", DOCS, re.M)}
    rows = dict(re.findall(r"^\| `(Crm[A-Za-z]+)` \|.*\[runbook\]\(#([a-z0-9-]+)\) \|$", DOCS, re.M))
    assert set(rows) == alerts()
    for name, anchor in rows.items():
        assert anchor in headings and name.lower() in anchor, (name, anchor)

"""What `crm import` prints: the same summary for a real import and a dry run.

Counts come from ingestion per chunk (`import_rows` answers them; a dry run's
per-row results are counted here the same way), so a dry run's line and the real
import's line that follows can be compared field by field.
"""
from __future__ import annotations

import json
from typing import Any

COUNTS = ("received", "accepted", "rejected", "unchanged")


def empty() -> dict:
    return {**{key: 0 for key in COUNTS}, "reasons": {}, "quality": {}}


def add(total: dict, chunk: dict) -> None:
    """Add a chunk's counts (received/accepted/... and reasons/quality by name)."""
    for key in COUNTS:
        total[key] += chunk.get(key, 0)
    for key in ("reasons", "quality"):
        for name, n in (chunk.get(key) or {}).items():
            total[key][name] = total[key].get(name, 0) + n


def count_results(results: list[dict]) -> dict:
    """A dry run's per-row results as `import_rows` counts them; `flagged` rows are
    those accepted with at least one quality issue."""
    counts = {**empty(), "received": len(results), "flagged": 0}
    for result in results:
        status = result["status"]
        counts[status if status in ("rejected", "unchanged") else "accepted"] += 1
        if status == "rejected":
            counts["reasons"][result["reason"]] = counts["reasons"].get(result["reason"], 0) + 1
        issues = result.get("quality") or []
        counts["flagged"] += bool(issues)
        for item in issues:
            field = item.split(":", 1)[0]
            counts["quality"][field] = counts["quality"].get(field, 0) + 1
    return counts


def _by_name(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def line(head: str, totals: dict, duplicates: int, unmapped: list[str], encoding: str | None,
         dry_run: bool) -> str:
    """One readable summary; a dry run says what would happen and that nothing was sent."""
    would = "would be " if dry_run else ""
    parts = [f"{head}: {totals['received']} rows, {totals['accepted']} {would}accepted, "
             f"{totals['unchanged']} unchanged, {totals['rejected']} {would}rejected"
             + (f" ({_by_name(totals['reasons'])})" if totals["reasons"] else ""),
             f"{duplicates} duplicates of earlier rows"]
    if "flagged" in totals:
        parts.append(f"{totals['flagged']} {would}flagged")
    if totals["quality"]:
        parts.append(f"quality issues by field: {_by_name(totals['quality'])}")
    if encoding:
        parts.append(f"encoding {encoding}")
    if unmapped:
        parts.append(f"ignored columns: {', '.join(unmapped)}")
    return "; ".join(parts) + ("; nothing was sent" if dry_run else "")


def as_json(batch_id: str | None, totals: dict, duplicates: int, profile: str,
            unmapped: list[str], encoding: str | None) -> str:
    body: dict[str, Any] = {"batch_id": batch_id, **totals, "duplicates": duplicates,
                            "profile": profile, "ignored_columns": unmapped or [],
                            "encoding": encoding}
    if batch_id is None:
        body = {"dry_run": True, **{k: v for k, v in body.items() if k != "batch_id"}}
    return json.dumps(body, ensure_ascii=False)

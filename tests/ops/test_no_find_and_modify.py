"""Issue 15, without I/O: no service code calls pymongo's `find_one_and_*`.

SecantusDB runs findAndModify by reading the whole collection (12 ms at 1,000
documents, 141 ms at 16,000, even by `_id`), so the services use conditional
`update_one` / compare-and-set instead (tests/ops/test_hot_path_cost.py measures
them). This catches a new call before it reaches a hot path.
"""
from __future__ import annotations

from pathlib import Path

SERVICES = Path(__file__).resolve().parents[2] / "services"
SKIPPED_DIRS = {"tests", "bench", "__pycache__"}
FORBIDDEN = b"find_one_and_"


def service_files() -> list[Path]:
    """Every file under services/*/, except tests, benchmarks and bytecode caches."""
    return [path for path in SERVICES.glob("*/**/*") if path.is_file()
            and not SKIPPED_DIRS & set(path.relative_to(SERVICES).parts)
            and not any(part.endswith(".egg-info") for part in path.parts)]


def test_services_have_files_to_check():
    assert any(path.name == "storage.py" for path in service_files())


def test_no_service_file_calls_find_one_and():
    offenders = [str(path.relative_to(SERVICES)) for path in service_files()
                 if FORBIDDEN in path.read_bytes()]
    assert not offenders, f"find_one_and_* (findAndModify) in {offenders}"

"""The import rules of docs/architecture.md, checked over the AST of every module.

Plain pytest, no import-linter: each module's imports (top level and lazy ones inside
functions, relative ones resolved) are read with :mod:`ast` and matched against the
rules below, and the graph of imports between our own modules must have no cycle (a
lazy import does not hide one). Each rule also has a negative check: a small synthetic module that
breaks it goes through the same checker and must be reported, so the test can fail.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("ingestion", "dedup", "tiering", "assignment", "notification", "campaigns", "reporting", "groups")
ADAPTER_LIBRARIES = ("nameko", "pymongo", "bson", "kombu", "amqp", "eventlet", "werkzeug")
OUTER_LAYERS = ("plugins", "service", "handlers", "storage", "dependencies")


def module_name(path: str) -> str:
    """Dotted name of a repo-relative module path (services/dedup/dedup/domain/x.py ->
    dedup.domain.x, services/dedup/bench/pool.py -> bench.pool, cli/crm_cli/y.py ->
    crm_cli.y, tools/stack/z.py -> tools.stack.z)."""
    parts = list(Path(path).with_suffix("").parts)
    if parts[0] == "services":
        parts = parts[2:]
    elif parts[0] in ("cli", "contracts"):
        parts = parts[1:]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imported(source: str, path: str) -> list[tuple[int, str]]:
    """(line, absolute module) for every import in the module, relative ones resolved;
    ``from pkg import name`` also yields ``pkg.name`` (the name may be a submodule)."""
    module = module_name(path)
    package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            found.append((node.lineno, base))
            found.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names)
    return found


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _rule_broken(parts: tuple[str, ...], name: str) -> str | None:
    """The rule a module at ``parts`` (its path) breaks by importing ``name``, if any."""
    top = name.split(".")[0]
    if parts[0] == "services" and parts[1] in SERVICES:
        svc = parts[1]
        if parts[2] == svc:  # the service package
            if len(parts) > 3 and parts[3] == "domain":
                if top in ADAPTER_LIBRARIES:
                    return "a domain module imports an adapter library"
                if any(_under(name, f"{svc}.{layer}") for layer in OUTER_LAYERS):
                    return "a domain module imports an outer layer"
            if top in SERVICES and top != svc or top == "crm_cli":
                return "a service imports another package's insides"
        elif parts[2] == "bench" and top == "crm_cli":
            return "a bench imports the crm command"
    elif parts[0] in ("cli", "tools") and top in SERVICES:
        return "the command line or a tool imports a service package"
    return None


def violations(source: str, path: str) -> list[str]:
    """Every rule the module at repo-relative ``path`` breaks, once per import line."""
    found: dict[tuple[int, str], str] = {}
    for line, name in imported(source, path):
        rule = _rule_broken(Path(path).parts, name)
        if rule:
            found.setdefault((line, rule), f"{path}:{line} imports {name}: {rule}")
    return sorted(found.values())


def checked_modules() -> list[Path]:
    roots = [ROOT / "cli" / "crm_cli", ROOT / "tools"]
    for svc in SERVICES:
        roots += [ROOT / "services" / svc / svc, ROOT / "services" / svc / "bench"]
    return sorted(p for r in roots if r.is_dir() for p in r.rglob("*.py")
                  if "__pycache__" not in p.parts)


def test_every_module_keeps_the_import_rules():
    modules = checked_modules()
    assert len(modules) > 100  # the walk found the code, not an empty tree
    broken = [v for p in modules
              for v in violations(p.read_text(encoding="utf-8"), p.relative_to(ROOT).as_posix())]
    assert not broken, "\n".join(broken)


def import_cycles(sources: dict[str, str]) -> list[list[str]]:
    """Cycles among the given modules (repo-relative path -> source): each strongly
    connected group of two or more modules, by dotted name, sorted."""
    names = {module_name(p): p for p in sources}
    graph = {m: sorted({n for _, n in imported(sources[p], p) if n in names and n != m})
             for m, p in names.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = stack[stack.index(v):]
            del stack[stack.index(v):]
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def test_no_import_cycle_among_our_modules():
    roots = [ROOT / "services" / "common" / "common", ROOT / "contracts" / "contracts",
             ROOT / "cli" / "crm_cli", *(ROOT / "services" / s / s for s in SERVICES)]
    sources = {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8")
               for r in roots for p in r.rglob("*.py") if "__pycache__" not in p.parts}
    assert len(sources) > 100
    assert import_cycles(sources) == []


def test_a_cycle_hidden_by_a_lazy_import_is_reported():
    sources = {"services/dedup/dedup/domain/a.py": "from .b import f\n",
               "services/dedup/dedup/domain/b.py": "def f():\n    from .a import g\n",
               "services/dedup/dedup/domain/c.py": "from .a import h\n"}
    assert import_cycles(sources) == [["dedup.domain.a", "dedup.domain.b"]]


@pytest.mark.parametrize("path, source, reason", [
    ("services/dedup/dedup/domain/x.py", "import pymongo\n", "adapter library"),
    ("services/tiering/tiering/domain/x.py", "from nameko.rpc import rpc\n", "adapter library"),
    ("services/assignment/assignment/domain/x.py",
     "def f():\n    from bson import ObjectId\n", "adapter library"),
    ("services/dedup/dedup/domain/x.py", "from dedup.plugins.matchers import Matcher\n",
     "outer layer"),
    ("services/dedup/dedup/domain/x.py", "from ..plugins import matchers\n", "outer layer"),
    ("services/dedup/dedup/domain/x.py", "from .. import storage\n", "outer layer"),
    ("services/notification/notification/domain/x.py",
     "import notification.dependencies\n", "outer layer"),
    ("services/dedup/dedup/plugins/x.py", "from ingestion.domain import text\n",
     "another package"),
    ("services/tiering/tiering/storage.py", "from crm_cli.client import rpc\n",
     "another package"),
    ("cli/crm_cli/x.py", "from ingestion.plugins.adapters import CsvAdapter\n", "service package"),
    ("tools/x.py", "import dedup.domain.keys\n", "service package"),
    ("tools/stack/x.py", "def f():\n    from tiering.domain import evaluate\n", "service package"),
    ("services/tiering/bench/x.py", "from crm_cli.client import stack_env\n", "crm command"),
])
def test_a_module_breaking_a_rule_is_reported(path, source, reason):
    found = violations(source, path)
    assert len(found) == 1 and reason in found[0], found


@pytest.mark.parametrize("path, source", [
    ("services/dedup/dedup/domain/x.py", "from .ports import Matcher\nimport common.pii\n"),
    ("services/dedup/dedup/plugins/x.py", "from dedup.domain.ports import Matcher\n"),
    ("services/dedup/dedup/service.py", "from nameko.rpc import rpc\nfrom .storage import S\n"),
    ("cli/crm_cli/x.py", "from contracts import names\nimport common.pii\n"),
    ("services/dedup/bench/x.py", "from ingestion.domain import text\n"),
])
def test_allowed_imports_are_not_reported(path, source):
    assert violations(source, path) == []

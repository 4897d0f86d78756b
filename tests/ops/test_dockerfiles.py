"""Dockerfile essentials for each service (hadolint is not available here)."""
from __future__ import annotations

import json
import re

import pytest

from .tools import ROOT, SERVICES

SECRET_WORDS = re.compile(r"(PASSWORD|PASS|SECRET|TOKEN|KEY|CRM_ENCRYPTION|CRM_BLIND)", re.I)


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", text)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


DOCKERFILE = ROOT / "services" / "Dockerfile"


def built_for(service: str) -> list[tuple[str, str]]:
    """The steps of the one Dockerfile as `--build-arg SERVICE=<service>` makes them."""
    return [(word, args.replace("${SERVICE}", service))
            for word, args in instructions(DOCKERFILE.read_text())]


def test_one_dockerfile_takes_the_service_as_a_build_argument():
    steps = instructions(DOCKERFILE.read_text())
    stages = [i for i, (word, _) in enumerate(steps) if word == "FROM"] + [len(steps)]
    for start, end in zip(stages, stages[1:]):  # an ARG is per stage: each declares it
        assert ("ARG", "SERVICE") in steps[start:end]
    assert any(word == "RUN" and 'test -n "$SERVICE"' in args for word, args in steps)
    leftovers = [str(p.relative_to(ROOT)) for p in (ROOT / "services").glob("*/Dockerfile*")]
    assert leftovers == [], "one Dockerfile for every service, not one each"


@pytest.mark.parametrize("service", SERVICES)
def test_dockerfile_essentials(service):
    steps = built_for(service)
    froms = [args for word, args in steps if word == "FROM"]
    assert froms and all(re.match(r"python:3\.11-slim\b", f) for f in froms), froms
    final = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    runtime = steps[final:]
    users = [args for word, args in runtime if word == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}, "runtime stage must run as non-root"
    assert any(word == "HEALTHCHECK" and "/health" in args for word, args in runtime)
    assert any(word == "ENV" and f"CRM_SERVICE={service}" in args for word, args in runtime)
    entry = [args for word, args in runtime if word in {"ENTRYPOINT", "CMD"}]
    assert "common.runner" in entry[-1] and "${1:-$CRM_SERVICE}" in entry[-1]
    for word, args in steps:
        if word in {"ENV", "ARG"}:
            assert not SECRET_WORDS.search(args), f"secret-looking {word} in {DOCKERFILE}: {args}"
        if word in {"COPY", "ADD"}:
            assert ".env" not in args.split() and "secrets" not in args, args
    copied = {args.split()[-2] for word, args in steps if word == "COPY" and "--from" not in args}
    assert copied == {"constraints.txt", "contracts", "services/common", f"services/{service}"}
    assert any(word == "RUN" and "-c constraints.txt" in args and f"./services/{service}" in args
               for word, args in steps)


def test_the_entrypoint_runs_the_built_in_service_or_the_one_given():
    """The entrypoint's shell line, run by sh as the container would (echo for python)."""
    import subprocess
    line = json.loads(next(args for word, args in built_for("dedup") if word == "ENTRYPOINT"))
    assert line[:2] == ["/bin/sh", "-c"]
    script = line[2].replace("exec python", "exec echo python")
    run = lambda *args: subprocess.run(["/bin/sh", "-c", script, *line[3:], *args],  # noqa: E731
                                       env={"CRM_SERVICE": "dedup", "PATH": "/usr/bin:/bin"},
                                       capture_output=True, text=True, check=True).stdout.split()
    assert run() == ["python", "-m", "common.runner", "dedup"]
    assert run("tiering") == ["python", "-m", "common.runner", "tiering"]  # k8s `args:`


def test_dockerignore_keeps_secrets_and_local_state_out():
    ignore = (ROOT / "services" / "Dockerfile.dockerignore").read_text().splitlines()
    rules = [line for line in ignore if line and not line.startswith("#")]
    assert rules[0] == "*", "ignore everything, then allow what the Dockerfile copies"
    allowed = {line[1:].rstrip("/") for line in rules if line.startswith("!")}
    assert allowed == {"constraints.txt", "contracts", "services/common",
                       *(f"services/{service}" for service in SERVICES)}
    assert "**/tests/" in rules

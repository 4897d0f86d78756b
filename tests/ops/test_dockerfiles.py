"""Dockerfile essentials for each service (hadolint is not available here)."""
from __future__ import annotations

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


@pytest.mark.parametrize("service", SERVICES)
def test_dockerfile_essentials(service):
    path = ROOT / "services" / service / "Dockerfile"
    steps = instructions(path.read_text())
    froms = [args for word, args in steps if word == "FROM"]
    assert froms and all(re.match(r"python:3\.11-slim\b", f) for f in froms), froms
    final = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    runtime = steps[final:]
    users = [args for word, args in runtime if word == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}, "runtime stage must run as non-root"
    assert any(word == "HEALTHCHECK" and "/health" in args for word, args in runtime)
    entry = [args for word, args in runtime if word in {"ENTRYPOINT", "CMD"}]
    assert '"common.runner"' in entry[0] and f'"{service}"' in entry[-1]
    for word, args in steps:
        if word in {"ENV", "ARG"}:
            assert not SECRET_WORDS.search(args), f"secret-looking {word} in {path}: {args}"
        if word in {"COPY", "ADD"}:
            assert ".env" not in args.split() and "secrets" not in args, args
    copied = {args.split()[-2] for word, args in steps if word == "COPY" and "--from" not in args}
    assert copied == {"constraints.txt", "contracts", "services/common", f"services/{service}"}
    assert any(word == "RUN" and "-c constraints.txt" in args for word, args in steps)


@pytest.mark.parametrize("service", SERVICES)
def test_dockerignore_keeps_secrets_and_local_state_out(service):
    ignore = (ROOT / "services" / service / "Dockerfile.dockerignore").read_text().splitlines()
    rules = [line for line in ignore if line and not line.startswith("#")]
    assert rules[0] == "*", "ignore everything, then allow what the Dockerfile copies"
    allowed = {line[1:].rstrip("/") for line in rules if line.startswith("!")}
    assert allowed == {"constraints.txt", "contracts", "services/common", f"services/{service}"}

"""Asking before a command that cannot be undone (`crm erase`, `crm managers deactivate`).

`--yes` answers for the operator (scripts, runbooks). Without it the question goes to
the terminal; with no terminal to ask (stdin is a pipe or a file) the command is
refused with exit 2 rather than read a stray line as consent.
"""
from __future__ import annotations

import sys
from typing import IO

from .exits import UsageError

YES_HELP = "do not ask for confirmation (needed when stdin is not a terminal)"


def confirm(question: str, yes: bool, command: str, stdin: IO[str] | None = None,
            stderr: IO[str] | None = None) -> None:
    """Return when confirmed; raise UsageError (exit 2) otherwise."""
    if yes:
        return
    stdin, stderr = stdin or sys.stdin, stderr or sys.stderr
    if not stdin.isatty():
        raise UsageError(f"{command}: stdin is not a terminal, so nobody can confirm: "
                         "pass --yes to go ahead")
    stderr.write(f"{question} [y/N] ")
    stderr.flush()
    if stdin.readline().strip().lower() not in ("y", "yes"):
        raise UsageError(f"{command}: not confirmed; nothing was done")

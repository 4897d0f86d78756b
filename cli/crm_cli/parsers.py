"""How a crm sub-command is declared: its help line, and an epilog with examples and
the exit codes, so `crm COMMAND -h` always shows how to call it."""
from __future__ import annotations

import argparse

from .exits import EPILOG


def command(sub, name: str, help_text: str, *examples: str,
            description: str | None = None) -> argparse.ArgumentParser:
    """A sub-command parser; `examples` are whole command lines (at least one)."""
    if not examples:
        raise ValueError(f"crm {name}: a command needs an example")
    lines = ["example:" if len(examples) == 1 else "examples:",
             *(f"  {example}" for example in examples), "", EPILOG]
    return sub.add_parser(name, help=help_text, description=description or help_text,
                          epilog="\n".join(lines),
                          formatter_class=argparse.RawDescriptionHelpFormatter)


def group(sub, name: str, help_text: str) -> argparse._SubParsersAction:
    """A command family (`crm rejects ...`); returns the parsers of its actions."""
    parser = sub.add_parser(name, help=help_text, description=help_text)
    return parser.add_subparsers(dest="action", required=True, metavar="ACTION",
                                 title="actions")

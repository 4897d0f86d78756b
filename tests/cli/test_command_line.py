"""The crm command line reads well (issue 21 point 3): every argument has help, every
command an example, every listing --json and --limit, and a cut listing says so."""
from __future__ import annotations

import argparse

import pytest

from crm_cli import listing
from crm_cli.main import build_parser

# command families not yet held to this (none left)
NOT_YET: set[str] = set()

LISTINGS = [["status"], ["export", "clusters"], ["imports", "list"], ["rejects", "list"],
            ["review", "list"], ["redlist"], ["notifications", "list"],
            ["notifications", "failed"], ["parked", "list", "tiering"], ["managers", "list"],
            ["managers", "load"], ["assignments", "backlog"],
            ["assignments", "history", "C-1"], ["followups", "history", "C-1"],
            ["followups", "conversion"], ["operators", "list"], ["clients", "list"], ["deadletters", "list"],
            ["audit", "list"], ["kpi", "--period", "2026Q4"]]


def commands(parser: argparse.ArgumentParser, path=()):
    """(path, parser) of every leaf command."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, parser
        return
    for name, child in subs[0].choices.items():
        yield from commands(child, (*path, name))


ALL = [(" ".join(path), parser) for path, parser in commands(build_parser())
       if path[0] not in NOT_YET]


def test_the_walk_finds_the_commands():
    names = {name for name, _ in ALL}
    assert {"drain", "erase", "managers deactivate", "rejects replay", "tiers recompute",
            "keys rotate", "import"} <= names and len(names) > 40


@pytest.mark.parametrize("name,parser", ALL, ids=[n for n, _ in ALL])
def test_every_argument_has_help_and_every_command_an_example(name, parser):
    undocumented = [a.dest for a in parser._actions
                    if not isinstance(a, argparse._HelpAction) and not a.help]
    assert not undocumented, f"crm {name}: no help for {undocumented}"
    assert parser.epilog and "example" in parser.epilog, f"crm {name}: no example"
    assert f"crm {name.split()[0]}" in parser.epilog
    assert "3 refused" in parser.epilog and "4 cannot reach the stack" in parser.epilog


@pytest.mark.parametrize("argv", LISTINGS, ids=[" ".join(a) for a in LISTINGS])
def test_every_listing_takes_json_and_limit(argv):
    args = build_parser().parse_args([*argv, "--json", "--limit", "7"])
    assert args.json is True and args.limit == 7


def test_a_limit_must_be_a_positive_number(capsys):
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["rejects", "list", "--limit", "0"])
    assert exited.value.code == 2 and "at least 1" in capsys.readouterr().err


def test_the_cut_notice():
    assert listing.cut_notice(10, 10, 10) is None
    assert "first 10 rejects" in listing.cut_notice(10, 11, 10, what="rejects")
    assert listing.cut_notice(99, 99, 1000, cap=100) is None
    assert "may be more" in listing.cut_notice(100, 100, 1000, cap=100)
    assert listing.ask(1000) == 1001


def test_a_cut_listing_says_so_on_stderr_and_keeps_stdout_clean(capsys):
    args = argparse.Namespace(json=True, limit=2)
    listing.show([{"id": i} for i in range(3)], args, ["id"], what="rows")
    captured = capsys.readouterr()
    assert captured.out.splitlines() == ['{"id": 0}', '{"id": 1}']
    assert "showing the first 2 rows; there are more" in captured.err


def test_a_complete_listing_says_nothing_on_stderr(capsys):
    listing.show([{"id": 1}], argparse.Namespace(json=False, limit=5), ["id"])
    assert capsys.readouterr().err == ""

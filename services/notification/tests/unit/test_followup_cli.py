"""The `crm followup` parser (registered in crm_cli.main by add_parsers)."""
from __future__ import annotations

import argparse

import pytest

from crm_cli import followups


def parser():
    p = argparse.ArgumentParser()
    followups.add_parsers(p.add_subparsers(dest="command", required=True))
    return p


def test_followup_parses_note_and_outcome():
    args = parser().parse_args(["followup", "C1", "--note", "called", "--outcome", "converted"])
    assert (args.customer_id, args.note, args.outcome, args.func) == \
        ("C1", "called", "converted", followups.followup)


def test_followup_rejects_unknown_outcome_and_missing_note():
    with pytest.raises(SystemExit):
        parser().parse_args(["followup", "C1", "--note", "x", "--outcome", "maybe"])
    with pytest.raises(SystemExit):
        parser().parse_args(["followup", "C1"])

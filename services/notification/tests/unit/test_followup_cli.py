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


def test_interested_call_note_names_campaign_call_and_product_only():
    from notification.followups import call_note
    event = {"call_id": "call-1", "campaign_id": "cmp-9", "date": "2026-12-01",
             "customer_id": "C1", "staff_id": "S1", "product": "TD-3M"}
    assert call_note(event) == "campaign cmp-9 call call-1 on 2026-12-01: interested, product TD-3M"
    assert call_note({**event, "product": None}).endswith(": interested")

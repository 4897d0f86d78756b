"""`crm review report`'s page and `--older-than`, without a stack (pure rendering)."""
from __future__ import annotations

import argparse
import re

import pytest

from crm_cli.review_html import page, steps
from crm_cli.reviews import age_seconds

REVIEW = {
    "id": "RV0123456789abcdef", "record_id": "drvB:b-1", "branch": "DR01", "score": 0.79,
    "params_version": 0, "opened_at": "2026-12-01T09:00:00", "why": "score 0.790 is between",
    "customer": {"customer_id": "C1", "name": ["慕**"], "phone": ["156****0002"],
                 "state": "active"},
    "candidate": {"customer_id": "C2", "name": ["慕**"], "phone": ["156****0001"],
                  "state": "active"},
    "evidence": [{"comparison": "name", "level": None, "similarity": 1.0, "weight": 6.0,
                  "record": ["慕**"], "candidate": ["慕**"]},
                 {"comparison": "contact", "level": None, "similarity": 0.0, "weight": -1.0,
                  "record": ["156****0002"], "candidate": ["156****0001"]}],
    "decision": {"model": "hand-set", "prior": -5.0, "total": 0.0, "adjustment": 0.0,
                 "thresholds": {"match": 0.85, "review": 0.65}},
}


def test_the_waterfall_runs_from_the_prior_through_each_weight_to_the_total():
    assert steps(REVIEW) == [("prior", "prior", 0.0, -5.0), ("name 1.00", "pos", -5.0, 1.0),
                             ("contact 0.00", "neg", 1.0, 0.0), ("total", "total", 0.0, 0.0)]


def test_the_page_is_self_contained_and_escapes_data():
    hostile = {**REVIEW, "record_id": "<script>alert(1)</script>"}
    html = page([hostile])
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert not re.search(r"""(src|href)\s*=\s*['"]?(https?:|//)""", html)
    assert "<link" not in html and "@import" not in html
    assert html.count("class='bar ") == 4 and "慕**" in html
    assert "data-label='contact 0.00' data-weight='-1.00'" in html


def test_a_page_without_reviews_says_so():
    assert "no open reviews" in page([])


@pytest.mark.parametrize("text,seconds", [("90", 90), ("30m", 1800), ("2h", 7200),
                                          ("3d", 259200), ("1w", 604800), ("1.5h", 5400)])
def test_older_than_reads_ages(text, seconds):
    assert age_seconds(text) == seconds


def test_older_than_refuses_nonsense():
    with pytest.raises(argparse.ArgumentTypeError):
        age_seconds("yesterday")

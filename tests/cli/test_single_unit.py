"""crm_cli.single.show_one, the printer of every one-object command (`review show`,
`campaigns show`, `explain`, ...), without a stack: the service call is a stand-in."""
from __future__ import annotations

import argparse
import contextlib

import pytest

from crm_cli import single
from crm_cli.exits import Failed
from crm_cli.output import json_line, plain_json_line

ANSWER = {"id": "RV1", "name": "李雷\u2028韩梅梅"}


@pytest.fixture
def timeouts(monkeypatch) -> list[float]:
    """The timeouts show_one asked for; its proxy answers ANSWER, or None for 'gone'."""
    asked: list[float] = []

    @contextlib.contextmanager
    def rpc(timeout):
        asked.append(timeout)
        yield {"RV1": ANSWER, "gone": None}

    monkeypatch.setattr(single, "rpc", rpc)
    return asked


def args(as_json: bool) -> argparse.Namespace:
    return argparse.Namespace(json=as_json)


def test_json_prints_the_answer_as_one_line_in_the_chosen_encoding(timeouts, capsys):
    assert single.show_one(args(True), lambda p: p["RV1"], print) == 0
    assert capsys.readouterr().out == json_line(ANSWER)
    assert "\u2028" not in json_line(ANSWER)
    single.show_one(args(True), lambda p: p["RV1"], print, encode=plain_json_line)
    assert capsys.readouterr().out == plain_json_line(ANSWER)
    assert "\u2028" in plain_json_line(ANSWER)


def test_for_people_the_explainer_prints_and_chooses_the_exit_code(timeouts, capsys):
    assert single.show_one(args(False), lambda p: p["RV1"],
                           lambda found: print(f"review {found['id']}")) == 0
    assert capsys.readouterr().out == "review RV1\n"
    assert single.show_one(args(False), lambda p: p["RV1"], lambda found: 1) == 1


@pytest.mark.parametrize("as_json", [True, False])
def test_a_missing_object_fails_in_either_form(timeouts, capsys, as_json):
    with pytest.raises(Failed, match="no review gone"):
        single.show_one(args(as_json), lambda p: p["gone"], print, missing="no review gone")
    assert capsys.readouterr().out == ""


def test_none_is_an_answer_when_no_missing_message_is_given(timeouts, capsys):
    single.show_one(args(True), lambda p: p["gone"], print)
    assert capsys.readouterr().out == "null\n"


def test_the_timeout_reaches_the_call(timeouts):
    single.show_one(args(True), lambda p: p["RV1"], print)
    single.show_one(args(True), lambda p: p["RV1"], print, timeout=600)
    assert timeouts == [single.RPC_TIMEOUT, 600]

"""crm's exit codes and error lines (crm_cli.exits), the confirmation (crm_cli.confirm)
and the progress bar (crm_cli.progress), without a stack."""
from __future__ import annotations

import io
import socket
import urllib.error

import pytest
from kombu.exceptions import OperationalError
from nameko.exceptions import RemoteError, RpcTimeout, UnknownService
from rich.console import Console

from crm_cli import exits, main
from crm_cli.confirm import confirm
from crm_cli.progress import bar


@pytest.mark.parametrize("exc,code,words", [
    (RemoteError("Forbidden", "role viewer may not call dedup.erase"), 3, "refused: role"),
    (RemoteError("ValueError", "no open review X\nTraceback ..."), 1, "ValueError: no open"),
    (RpcTimeout(120), 5, "timed out"),
    (socket.timeout("timed out"), 5, "timed out"),
    (urllib.error.URLError(socket.timeout("timed out")), 5, "timed out"),
    (urllib.error.URLError(ConnectionRefusedError(111, "Connection refused")), 4,
     "cannot reach the stack: RabbitMQ's management API"),
    (ConnectionRefusedError(111, "Connection refused"), 4, "cannot reach the stack"),
    (socket.gaierror(-2, "Name or service not known"), 4, "cannot reach the stack"),
    (OperationalError("[Errno 111] Connection refused"), 4, "cannot reach the stack"),
    (UnknownService("tiering"), 4, "service tiering is not running"),
    (FileNotFoundError(2, "No such file or directory", "rules.yaml"), 1, "rules.yaml: No such"),
    (exits.UsageError("crm x: give an ID"), 2, "give an ID"),
    (KeyError("x"), 1, "KeyError"),
])
def test_each_error_has_its_code_and_one_line(exc, code, words):
    got, line = exits.classify(exc)
    assert (got, "\n" in line, line.startswith("crm")) == (code, False, True), line
    assert words in line


def test_an_unreachable_stack_exits_4_with_one_line(tmp_path, monkeypatch, capsys):
    env = tmp_path / "env"
    env.write_text("AMQP_URI=amqp://guest:guest@127.0.0.1:1/\n"
                   "RABBITMQ_MANAGEMENT_URL=http://guest:guest@127.0.0.1:1\n")
    for key in ("AMQP_URI", "CRM_AMQP_URI", "RABBITMQ_MANAGEMENT_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("CRM_ENV_FILE", str(env))
    for argv in (["status"], ["imports", "list"]):
        assert main.main(argv) == exits.UNREACHABLE
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "cannot reach the stack" in err, err


def test_no_stack_configured_exits_4(tmp_path, monkeypatch, capsys):
    for key in ("AMQP_URI", "CRM_AMQP_URI", "RABBITMQ_MANAGEMENT_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("CRM_ENV_FILE", str(tmp_path / "missing"))
    assert main.main(["imports", "list"]) == exits.UNREACHABLE
    assert "no stack found" in capsys.readouterr().err


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_erase_without_yes_and_without_a_terminal_is_refused_with_exit_2(capsys):
    code = main.main(["erase", "C-1", "--by", "DPO-1"])  # pytest's stdin is no terminal
    assert code == exits.USAGE and "pass --yes" in capsys.readouterr().err


def test_a_terminal_is_asked_and_only_yes_goes_ahead():
    asked = io.StringIO()
    confirm("Erase C-1?", False, "crm erase", stdin=Terminal("y\n"), stderr=asked)
    assert asked.getvalue() == "Erase C-1? [y/N] "
    for answer in ("\n", "n\n", "erase\n", ""):
        with pytest.raises(exits.UsageError, match="not confirmed"):
            confirm("Erase C-1?", False, "crm erase", stdin=Terminal(answer),
                    stderr=io.StringIO())
    confirm("Erase C-1?", True, "crm erase", stdin=io.StringIO(""))  # --yes asks nobody


def test_the_progress_bar_shows_done_total_and_time_left():
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120, color_system=None)
    with bar("importing", 1000, True, console) as progress:
        progress.advance(500, note="3 rejected")
    text = out.getvalue()
    assert "importing" in text and "500/1000" in text and "3 rejected" in text
    assert "left" in text


def test_an_estimated_total_grows_and_ends_at_the_real_count():
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120, color_system=None)
    with bar("recompute", 10, True, console) as progress:
        progress.advance(15)
        assert progress.total == 15
        progress.finish()
    assert "15/15" in out.getvalue()


def test_progress_is_off_when_not_wanted(capsys):
    with bar("importing", 10, False) as progress:
        progress.advance(4)
    assert progress.done == 4 and capsys.readouterr() == ("", "")


def test_drain_says_what_it_waited_for():
    from crm_cli.drain import DrainWatch, Snapshot

    watch = DrainWatch(1.0)
    watch.observe(Snapshot(0.0, {"evt-a": (40, 2)}, {"dedup": {"in_flight": 3}}))
    watch.observe(Snapshot(0.5, {"evt-a": (5, 0)}, {"dedup": {"in_flight": 0}}))
    watch.observe(Snapshot(1.0, {"evt-a": (0, 0)}, {"dedup": {}}))
    assert watch.summary() == ("3 poll(s); work seen: queue evt-a (at most 42), "
                               "service dedup (at most 3)")
    assert DrainWatch(1.0).summary() == "0 poll(s); no work seen"

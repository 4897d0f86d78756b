"""The crm command against the test session's stack (issue 21 point 3): exit codes 2, 3
and 5 as documented, a cut listing that says so on stderr, and a roster with Chinese
names printed as a table whose columns line up by display width."""
from __future__ import annotations

import os
import pty
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from tests.cli.test_output_tables import display_width, starts

pytestmark = pytest.mark.integration


def test_a_drain_that_times_out_exits_5_and_says_so(stack):
    held = stack.crm("drain", "--timeout", "0.001", check=False, timeout=60)
    assert held.returncode == 5, (held.stdout, held.stderr)
    assert "timed out" in held.stderr and "Traceback" not in held.stderr


def test_a_drain_that_finishes_says_what_it_waited_for(stack):
    done = stack.crm("drain", "--timeout", "120", timeout=180)
    assert done.stdout.startswith("drained after ") and "poll(s)" in done.stdout


def test_a_viewer_refused_exits_3_with_one_line(stack):
    name = f"cli-viewer-{uuid.uuid4().hex[:6]}"
    made = stack.crm("operators", "add", name, "--role", "viewer").stdout
    uri = next(x for x in made.splitlines() if x.startswith("CRM_AMQP_URI=")).split("=", 1)[1]
    refused = stack.crm("keys", "rotate", check=False, env={"CRM_AMQP_URI": uri})
    assert refused.returncode == 3, refused.stderr
    assert refused.stderr.count("\n") == 1 and refused.stderr.startswith("crm: refused")


def test_erase_and_deactivate_want_yes_without_a_terminal(stack):
    mid = f"YES-{uuid.uuid4().hex[:6]}"
    stack.crm("managers", "add", "--id", mid, "--name", "Zhao Lei", "--role",
              "financial_manager", "--branch", "YS01", "--capacity", "5")
    for args in (("erase", "C-does-not-exist", "--by", "DPO-1"), ("managers", "deactivate", mid)):
        refused = stack.crm(*args, check=False)
        assert refused.returncode == 2 and "pass --yes" in refused.stderr, refused.stderr
    [manager] = [m for m in stack.crm_json("managers", "list", "--branch", "YS01", "--json")
                 if m["id"] == mid]
    assert manager["active"] is True  # nothing was done
    done = stack.crm("managers", "deactivate", mid, "--yes").stdout
    assert done.startswith(f"deactivated {mid} (branch YS01): 0 customers moved"), done


def test_a_cut_listing_says_so(stack):
    tag = uuid.uuid4().hex[:6]
    for i in range(3):  # a string where a list is wanted: each one is kept as a reject
        stack.publish({"source": f"cut_{tag}", "external_id": f"X-{i}", "branch": "CL01",
                       "phones": "13812340001"})
    deadline = time.monotonic() + 120
    while len([r for r in stack.crm_json("rejects", "list", "--json", "--limit", "100000")
               if r["source"] == f"cut_{tag}"]) < 3:
        assert time.monotonic() < deadline, "the rejects did not arrive"
        time.sleep(1)
    cut = stack.crm("rejects", "list", "--json", "--limit", "2")
    assert len(cut.stdout.splitlines()) == 2
    assert "showing the first 2 rejects; there are more" in cut.stderr
    whole = stack.crm("rejects", "list", "--limit", "100000")
    assert whole.stderr == ""


def test_a_roster_in_chinese_lines_up(stack):
    branch = f"CN{uuid.uuid4().hex[:4]}"
    names = {f"{branch}-1": "王小明", f"{branch}-2": "欧阳娜娜", f"{branch}-3": "Li Wei"}
    for mid, name in names.items():
        stack.crm("managers", "add", "--id", mid, "--name", name, "--role",
                  "financial_manager", "--branch", branch, "--capacity", "5")
    lines = stack.crm("managers", "list", "--branch", branch).stdout.splitlines()
    rows = {line.split()[0]: line for line in lines if line.startswith(branch)}
    assert set(rows) == set(names), lines
    expected = starts(lines[0], ["id", "name", "role", "branch"])
    for mid, line in rows.items():
        assert starts(line, [mid, names[mid], "financial_manager", branch]) == expected, line
    assert expected[2] - expected[1] > display_width("欧阳娜娜")


def test_import_shows_progress_with_the_total_on_a_terminal_only(stack, tmp_path):
    tag = uuid.uuid4().hex[:6]
    path = tmp_path / "three.csv"
    path.write_text("external_id,name,phones,branch\n" + "".join(
        f"{tag}-{i},客户{i},1381234{i:04d},PG01\n" for i in range(3)), encoding="utf-8")
    args = ["import", str(path), "--source", f"pty_{tag}", "--profile", "standard"]
    master, slave = pty.openpty()
    captured: list[str] = []
    reader = threading.Thread(target=lambda: captured.append(_read_all(master)))
    try:
        child = subprocess.Popen([str(Path(sys.executable).parent / "crm"), *args],
                                 stderr=slave, stdout=subprocess.PIPE, text=True,
                                 env=dict(os.environ, CRM_ENV_FILE=str(stack.base / "env")))
        os.close(slave)
        reader.start()  # read the terminal while crm writes, so it never blocks on it
        out = child.communicate(timeout=300)[0]
        reader.join(30)
    finally:
        os.close(master)
    done = subprocess.CompletedProcess(child.args, child.returncode, out)
    shown = "".join(captured)
    assert done.returncode == 0 and "3 rows" in done.stdout, done.stdout
    assert "importing" in shown and "3/3" in shown, shown
    piped = stack.crm(*args[:3], f"pty2_{tag}", "--profile", "standard")
    assert piped.stderr == "", piped.stderr  # no terminal: no bar


def _read_all(fd: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the writer closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")

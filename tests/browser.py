"""Open a page in headless Chromium and read back what it shows (no display needed).

The page is copied with a small probe script appended (the page under test stays
script-free): after layout it records the rendered text (`innerText`: what a reader
sees, without hidden elements or markup) and the box and computed fill of every
`rect.bar`, and `--dump-dom` prints the DOM with the probe's JSON in it. Chromium is
installed from Debian when missing (tests/ops/tools.require_tool: skipped with the
reason when that cannot be done, failed under CI=true)."""
from __future__ import annotations

import html
import json
import re
import subprocess
from pathlib import Path

from tests.ops.tools import require_tool

PROBE = """<script>
const bars = [...document.querySelectorAll('rect.bar')].map(r => {
  const box = r.getBoundingClientRect();
  return {label: r.dataset.label, weight: parseFloat(r.dataset.weight),
          width: box.width, height: box.height, fill: getComputedStyle(r).fill};
});
const out = document.createElement('pre');
out.id = 'probe';
out.textContent = JSON.stringify({text: document.body.innerText, bars});
document.body.appendChild(out);
</script>"""


def rendered(page: Path) -> dict:
    """{"text": the page's rendered text, "bars": [{label, weight, width, height, fill}]}."""
    chromium = require_tool("chromium", "chromium")
    probe = page.with_name(page.stem + ".probe.html")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"),
                     encoding="utf-8")
    done = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                           "--no-first-run", f"--user-data-dir={page.parent / 'chromium'}",
                           "--dump-dom", probe.resolve().as_uri()],
                          capture_output=True, text=True, timeout=180)
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert found, f"chromium showed no probe (exit {done.returncode}): {done.stderr[-2000:]}"
    return json.loads(html.unescape(found.group(1)))

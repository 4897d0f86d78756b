"""Issue 4, 'Done when' #3: no raw national ID in any event, log line, metric or listing."""
from __future__ import annotations

import glob
import json
import urllib.request

import pytest

from tests.ingestion.helpers import cn_id, open_rejects, post, records

pytestmark = pytest.mark.integration


def test_no_raw_national_id_escapes(stack):
    ids = [cn_id(500 + i, birth="19851120") for i in range(4)]
    bad_check = ids[3][:-1] + ("0" if ids[3][-1] != "0" else "1")  # kept raw, flagged
    full_width = ids[2].translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    subscriber = stack.subscribe("ingestion.events", "#")
    try:
        stack.publish({"source": "pii_t", "external_id": "P-1", "name": "冯一",
                       "national_id": ids[0], "phones": ["13812345001"]})
        post(stack.env["INTAKE_URL"], json.dumps(
            [{"source": "pii_t", "external_id": "P-2", "national_id": ids[1]},
             {"source": "pii_t", "national_id": full_width, "name": "陈二"}]).encode(),
            token=stack.env["INTAKE_TOKEN"])
        stack.publish({"source": "pii_t", "external_id": "P-4", "name": "楚四",
                       "national_id": bad_check})
        stack.publish({"source": "pii_t", "external_id": 5, "national_id": ids[3]})
        stack.drain()
        stack.publish({"source": "pii_m", "external_id": "M-1", "name": "标记乙",
                       "phones": ["13812345999"]})  # a marker: every event before it is read
        events = json.dumps(subscriber.take_until(lambda e: e.get("source") == "pii_m"),
                            ensure_ascii=False)
    finally:
        subscriber.close()
    secrets = [*ids, bad_check]

    assert len(records(stack, "pii_t")) == 3
    assert '"source": "pii_t"' in events  # the events were seen at all
    logs = "".join(open(p, encoding="utf-8", errors="replace").read()
                   for p in glob.glob(str(stack.base / "logs" / "*.log")))
    assert "rejected" in logs
    metrics = "".join(urllib.request.urlopen(url, timeout=10).read().decode()
                      for url in stack.env["METRICS_URLS"].split())
    assert 'source="pii_t"' in metrics
    listing = stack.crm("rejects", "list", "--json").stdout
    mine = [r for r in open_rejects(stack) if r["source"] == "pii_t"]
    assert len(mine) == 2 and any("1101**********" in r["excerpt"] for r in mine)
    shown = "".join(stack.crm("rejects", "show", r["id"]).stdout for r in mine)
    stored = json.dumps(records(stack, "pii_t"), default=str, ensure_ascii=False)
    for secret in secrets:
        for where, text in (("event", events), ("log", logs), ("metrics", metrics),
                            ("rejects list", listing), ("rejects show", shown),
                            ("stored plain fields", stored)):
            assert secret not in text, f"raw national ID found in {where}"
    assert full_width not in listing + shown + logs

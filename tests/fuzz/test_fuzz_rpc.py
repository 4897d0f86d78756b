"""Issue 10 part 2: every RPC the `crm` command uses, called with arbitrary arguments.

Strings, numbers, None, lists, dicts with MongoDB operators, lone surrogates: each
call answers a result or a RemoteError naming a deliberate error type with a
message (never an internal crash such as AttributeError/TypeError, never a hang),
and every service still answers afterwards.
"""
from __future__ import annotations

import os
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from nameko.exceptions import IncorrectSignature, RemoteError

from tests.fuzz import helpers as h
from tests.fuzz import strategies as fz

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("CRM_FUZZ_EXAMPLES", "1000"))
# (service, method, number of parameters) for every RPC cli/crm_cli calls.
RPCS = [
    ("ingestion", "start_import", 3), ("ingestion", "import_rows", 3),
    ("ingestion", "imports_list", 0), ("ingestion", "imports_show", 1),
    ("ingestion", "rejects_list", 3), ("ingestion", "rejects_show", 1),
    ("ingestion", "rejects_replay", 2), ("ingestion", "import_check", 2),
    ("ingestion", "rejects_export", 1),
    ("dedup", "export_clusters", 2), ("dedup", "reviews_list", 0),
    ("dedup", "review_accept", 1), ("dedup", "review_reject", 1), ("dedup", "unmerge", 2),
    ("dedup", "redlist", 0), ("dedup", "params", 1), ("dedup", "review_show", 2),
    ("dedup", "reviews_report", 4), ("dedup", "explain_merge", 1),
    ("tiering", "recompute", 4), ("tiering", "reload_rules", 1), ("tiering", "active_rules", 0),
    ("tiering", "stats", 2), ("tiering", "explain", 1), ("tiering", "export_tiers", 3),
    ("assignment", "export_assignments", 2), ("assignment", "managers_upsert", 1),
    ("assignment", "managers_list", 1), ("assignment", "managers_deactivate", 1),
    ("assignment", "assign", 3), ("assignment", "backlog", 0), ("assignment", "history", 1),
    ("notification", "notifications_list", 2), ("notification", "notifications_retry", 1),
    ("notification", "followup_record", 4), ("notification", "followup_history", 1),
    ("notification", "followup_conversion", 0),
    ("groups", "groups_list", 0), ("groups", "group_show", 1), ("groups", "explain", 1),
    ("groups", "link", 3), ("groups", "unlink", 2),
    ("reporting", "kpi", 4),
    ("campaigns", "campaigns_create", 11), ("campaigns", "campaigns_list", 3),
    ("campaigns", "campaigns_show", 1), ("campaigns", "campaigns_close", 2),
    ("campaigns", "calls_log", 7), ("campaigns", "calls_day", 2),
    ("campaigns", "calls_signoff", 4), ("campaigns", "leaderboard", 1),
    ("campaigns", "calls_audit", 3),
    *[(service, method, 1) for service in ("ingestion", "dedup", "tiering", "assignment",
                                           "notification", "groups", "reporting", "campaigns")
      for method in ("parked_list", "parked_replay")],
]
UNCLEAR: list[tuple[str, str, str, str]] = []
CALLS: Counter = Counter()

ids = st.one_of(st.text(max_size=30), st.sampled_from(["0" * 24, "ffffffffffffffffffffffff",
                                                      "C0000000000000000", "s:e", "", "."]))
arguments = st.one_of(fz.scalars, ids, fz.json_values, fz.operator_dict(fz.json_values),
                      st.lists(st.tuples(st.integers(), fz.json_values), max_size=3),
                      st.lists(fz.records(), max_size=2), fz.shallow_deep)


@st.composite
def calls(draw):
    service, method, arity = draw(st.sampled_from(RPCS))
    count = draw(st.sampled_from([arity] * 6 + [0, arity + 1]))   # sometimes a wrong arity
    args = [draw(arguments) for _ in range(count)]
    if method == "rejects_replay" and (not args or args[0] is None):
        args = ["0" * 24, *args[1:]]      # None replays every open reject: not a fuzz call
    if method == "parked_replay" and (not args or args[0] is None):
        args = ["0" * 24]                 # None replays every parked message
    return service, method, args


@pytest.fixture(scope="module")
def proxy(stack):
    with stack.rpc(timeout=30) as rpc:
        yield rpc


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(calls())
def test_rpcs_answer_or_refuse_clearly(proxy, call):
    service, method, args = call
    CALLS[method] += 1
    try:
        getattr(getattr(proxy, service), method)(*args)
    except IncorrectSignature as err:  # refused before it reached the service: clear
        assert str(err).strip()
    except RemoteError as err:
        if not h.is_clear_error(err):
            UNCLEAR.append((f"{service}.{method}", str(err.exc_type), str(err.value)[:160],
                            repr(args)[:200]))
    # anything else (RpcTimeout: a hang, a broken reply) fails the test here


def test_no_rpc_crashed_and_every_service_still_serves(stack, proxy):
    assert sum(CALLS.values()) >= EXAMPLES
    print(f"\nfuzz rpc: {sum(CALLS.values())} calls over {len(CALLS)} methods; "
          f"unclear errors {len(UNCLEAR)}")
    for kind, count in Counter((u[0], u[1]) for u in UNCLEAR).most_common():
        example = next(u for u in UNCLEAR if (u[0], u[1]) == kind)
        print(f"  {kind[0]}: {kind[1]} x{count}: {example[2]!r} args={example[3]}")
    for service in ("ingestion", "dedup", "tiering", "assignment", "notification", "groups"):
        assert isinstance(getattr(proxy, service).parked_list(1), list)
    assert stack.crm("status").returncode == 0
    assert not UNCLEAR, f"{len(UNCLEAR)} RPC calls failed with an internal error"

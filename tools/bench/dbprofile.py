"""Where the database time goes: the MongoDB profiler, summarised per query shape.

`profile` (level 1, slowms) is a MongoDB command SecantusDB implements too, so the
same summary works against production-like MongoDB. Shapes group operations by
database, collection, command and the field names of their filter, so "every
`find` on dedup.customers by keys" is one row however many values it had.

  .venv/bin/python -m tools.bench.dbprofile on|off|report [--slowms 2] [--top 25]
(stack from CRM_ENV_FILE, default .local/env)
"""
from __future__ import annotations

import argparse
from collections import defaultdict

from pymongo import MongoClient

from crm_cli.client import stack_env
from tools.stack.__main__ import SERVICES

COMMANDS = ("find", "update", "delete", "insert", "findAndModify", "aggregate", "count",
            "distinct", "getMore")


def shape(value) -> object:
    """Field names and operators, no values."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return "?"


def describe(command: dict) -> tuple[str, str]:
    name = next((c for c in COMMANDS if c in command), next(iter(command), "?"))
    if name == "update":
        parts = [shape(u.get("q")) for u in command.get("updates", [])[:1]]
    elif name == "delete":
        parts = [shape(d.get("q")) for d in command.get("deletes", [])[:1]]
    elif name == "findAndModify":
        parts = [shape(command.get("query"))]
    elif name == "aggregate":
        parts = [shape(command.get("pipeline", [])[:1])]
    else:
        parts = [shape(command.get("filter"))] if "filter" in command else []
    return name, str(parts[0]) if parts else ""


def databases(client: MongoClient) -> list[str]:
    return [n for n in client.list_database_names() if n.startswith("crm_")]


def set_profiling(client: MongoClient, on: bool, slowms: int = 0) -> None:
    for name in [f"crm_{s}" for s in SERVICES]:
        client[name].command("profile", 0)
        if on:  # MongoDB refuses to drop the profile while it records
            client[name]["system.profile"].drop()
            client[name].command("profile", 1, slowms=slowms)


def operations(client: MongoClient) -> dict[str, int]:
    """Profiled operations per service database (the profile's own writes excluded)."""
    return {name.removeprefix("crm_"): client[name]["system.profile"].count_documents({})
            for name in databases(client)}


def report(client: MongoClient, top: int) -> list[tuple]:
    totals: dict[tuple, list[float]] = defaultdict(lambda: [0, 0.0])
    for name in databases(client):
        for entry in client[name]["system.profile"].find():
            command = entry.get("command") or {}
            op, filt = describe(command)
            collection = entry.get("ns", "").split(".", 1)[-1]
            row = totals[(name, collection, op, filt)]
            row[0] += 1
            row[1] += entry.get("millis", 0)
    return sorted(((*k, n, ms) for k, (n, ms) in totals.items()), key=lambda r: -r[5])[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("on", "off", "report"))
    parser.add_argument("--slowms", type=int, default=2)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    client = MongoClient(stack_env()["MONGO_URI"])
    if args.action == "report":
        for db, coll, op, filt, n, ms in report(client, args.top):
            print(f"{ms / 1000:8.1f} s {n:7d}x {ms / max(n, 1):7.1f} ms  {db}.{coll} {op} {filt}")
        return
    set_profiling(client, args.action == "on", args.slowms)


if __name__ == "__main__":
    main()

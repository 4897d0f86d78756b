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
from pymongo.database import Database

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


def service_databases(env: dict[str, str]) -> dict[str, Database]:
    """Each service's database on its own server (the local stack runs one server per
    service: MONGO_URI_<SERVICE>; elsewhere they share MONGO_URI)."""
    return {name: MongoClient(env.get(f"MONGO_URI_{name.upper()}") or env["MONGO_URI"],
                              tz_aware=True)[f"crm_{name}"] for name in SERVICES}


def close(dbs: dict[str, Database]) -> None:
    for db in dbs.values():
        db.client.close()


def set_profiling(dbs: dict[str, Database], on: bool, slowms: int = 0) -> None:
    for db in dbs.values():
        db.command("profile", 0)
        if on:  # MongoDB refuses to drop the profile while it records
            db["system.profile"].drop()
            db.command("profile", 1, slowms=slowms)


def operations(dbs: dict[str, Database]) -> dict[str, int]:
    """Profiled operations per service database (the profile's own writes excluded)."""
    return {name: db["system.profile"].count_documents({}) for name, db in dbs.items()}


def report(dbs: dict[str, Database], top: int) -> list[tuple]:
    totals: dict[tuple, list[float]] = defaultdict(lambda: [0, 0.0])
    for db in dbs.values():
        for entry in db["system.profile"].find():
            command = entry.get("command") or {}
            op, filt = describe(command)
            collection = entry.get("ns", "").split(".", 1)[-1]
            row = totals[(db.name, collection, op, filt)]
            row[0] += 1
            row[1] += entry.get("millis", 0)
    return sorted(((*k, n, ms) for k, (n, ms) in totals.items()), key=lambda r: -r[5])[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("on", "off", "report"))
    parser.add_argument("--slowms", type=int, default=2)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    dbs = service_databases(stack_env())
    try:
        if args.action == "report":
            for db, coll, op, filt, n, ms in report(dbs, args.top):
                print(f"{ms / 1000:8.1f} s {n:7d}x {ms / max(n, 1):7.1f} ms  {db}.{coll} {op} {filt}")
            return
        set_profiling(dbs, args.action == "on", args.slowms)
    finally:
        close(dbs)


if __name__ == "__main__":
    main()

"""The local stack's embedded database server: SecantusDB, its index catalog read once per
storage command.

`python -m tools.stack.embedded_db --port P --storage-path DIR ...` takes SecantusDB's own
arguments. SecantusDB 0.7.0b3 reads and BSON-decodes a collection's index catalog several
times for every document it writes (`_index_options_map` in each index write, index delete
and unique probe, on top of the planner's reads): 14-28 % of each local database process
under the pipeline's load (docs/benchmarks.md, sessions 26-28). Within one storage command
the catalog changes only through that command's own catalog writes, so a memo that lives for
one command, belongs to the connection's thread and is emptied by every catalog write returns
what a fresh read would. Nothing outlives the command: a multi-statement transaction, an
index built or dropped by another connection, a `multikey` flag set by another write are all
read afresh by the next command, exactly as without the memo. Production runs MongoDB, which
this does not touch; any other SecantusDB version runs unchanged (its internals may differ).
"""
from __future__ import annotations

import functools
import inspect
import sys
import threading
import types
from typing import Any, Callable, Iterator

SUPPORTED_VERSION = "0.7.0b3"
# Every Storage method that writes the index catalog (`table:secantus_indexes`), read from
# SecantusDB 0.7.0b3's source: each runs with no memo, and leaves an empty one behind.
CATALOG_WRITERS = frozenset({
    "create_index", "drop_index", "set_index_expiry", "set_index_options", "drop_all_indexes",
    "drop_collection", "drop_database", "rename_collection", "create_collection",
    "_recover_pending_drops_locked",
})
# Flags an index multikey inside a write, for each document written: empties the memo only
# when it flagged something, or the memo would last one document.
MULTIKEY_MARKER = "_maybe_mark_multikey"
CATALOG_READER = "_iter_indexes"
Row = tuple[str, dict[str, Any], dict[str, Any]]


class _Command(threading.local):
    """The current storage command on this thread: how deeply nested, and its memo."""

    depth = 0
    memo: dict[tuple[str, str], list[Row]] | None = None


def install(storage_cls: type) -> None:
    """Memoize `storage_cls`'s catalog reads for the length of each public method call.

    Public methods are the storage commands the server calls; a private method that a
    lazily consumed result runs later reads the catalog afresh (no memo is active then).
    """
    command = _Command()
    read_catalog = inspect.getattr_static(storage_cls, CATALOG_READER)
    for name in dir(storage_cls):
        method = inspect.getattr_static(storage_cls, name)
        if not isinstance(method, types.FunctionType) or name == CATALOG_READER:
            continue
        if name in CATALOG_WRITERS:
            setattr(storage_cls, name, _one_command(command, _without_memo(command, method)))
        elif name == MULTIKEY_MARKER:
            setattr(storage_cls, name, _forgetting_flags(command, method))
        elif not name.startswith("_"):
            setattr(storage_cls, name, _one_command(command, method))
    setattr(storage_cls, CATALOG_READER, _memoized(command, read_catalog))


def _memoized(command: _Command, read_catalog: Callable) -> Callable:
    @functools.wraps(read_catalog)
    def iter_indexes(self: Any, db: str, coll: str) -> Iterator[Row]:
        memo = command.memo
        if memo is None:
            return read_catalog(self, db, coll)
        rows = memo.get((db, coll))
        if rows is None:
            rows = memo[(db, coll)] = list(read_catalog(self, db, coll))
        # callers copy what they keep (`dict(opts)`); a fresh top level guards the rest
        return iter([(name, keys, dict(options)) for name, keys, options in rows])
    return iter_indexes


def _one_command(command: _Command, method: Callable) -> Callable:
    @functools.wraps(method)
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        command.depth += 1
        if command.depth == 1:
            command.memo = {}
        try:
            return method(self, *args, **kwargs)
        finally:
            command.depth -= 1
            if command.depth == 0:
                command.memo = None
    return run


def _without_memo(command: _Command, method: Callable) -> Callable:
    @functools.wraps(method)
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        within_command, command.memo = command.memo is not None, None
        try:
            return method(self, *args, **kwargs)
        finally:
            command.memo = {} if within_command else None
    return run


def _forgetting_flags(command: _Command, method: Callable) -> Callable:
    @functools.wraps(method)
    def run(self: Any, db: str, coll: str, doc: Any, indexes: Any, already: set) -> set:
        known = len(already)
        flagged = method(self, db, coll, doc, indexes, already)
        if len(flagged) != known and command.memo is not None:
            command.memo = {}
        return flagged
    return run


def main() -> int:
    """Start SecantusDB with the memo installed when its version is the one read."""
    import secantus
    import secantus.storage
    from secantus.cli import main as secantus_main
    if secantus.__version__ == SUPPORTED_VERSION:
        install(secantus.storage.Storage)
        print(f"embedded_db: SecantusDB {SUPPORTED_VERSION}, index catalog read once per "
              "command", file=sys.stderr, flush=True)
    else:
        print(f"embedded_db: SecantusDB {secantus.__version__} is not {SUPPORTED_VERSION}; "
              "running it unchanged", file=sys.stderr, flush=True)
    return secantus_main()


if __name__ == "__main__":
    sys.exit(main())

"""The embedded database's files: readable by the platform's own user only, the write-ahead
log copied into the database by the server between requests, and a bulk load written
straight into the database when nothing else has it open.

SQLite creates its file with the process's umask (usually 0644: every account on the machine
could copy the whole registry, ciphertexts and blind indexes included) and gives its -wal and
-shm files the database file's mode. So the first connection of each process takes group and
other bits off the three files; the keys beside them are 0600 already (``settings.secrets``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

from django.db import OperationalError

logger = logging.getLogger(__name__)

_done: set[str] = set()


def keep_sqlite_private(sender, connection, **kwargs) -> None:
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict["NAME"])
    if name in _done or name == ":memory:" or name.startswith("file:"):
        return
    for path in (name, f"{name}-wal", f"{name}-shm"):
        with contextlib.suppress(FileNotFoundError):
            mode = stat.S_IMODE(os.stat(path).st_mode)
            if mode & 0o077:
                os.chmod(path, mode & 0o700)
    _done.add(name)


# --- the write-ahead log's checkpoints, off the request path ------------------------------

# SQLite copies the write-ahead log into the database in the commit that passes
# ``wal_autocheckpoint`` pages (settings): inside a request, with our writers' queue held.
# A server process copies it between requests instead (``start_checkpointer``), this
# often.
CHECKPOINT_SECONDS = 0.25

_checkpointers: set[str] = set()


def start_checkpointer(settings_dict: dict) -> threading.Event | None:
    """Run passive checkpoints of the SQLite database every ``CHECKPOINT_SECONDS`` in a
    daemon thread of this (server) process; setting the returned event stops it. Nothing
    (``None``) for PostgreSQL, an in-memory database or a second call. Several server
    processes each running one is harmless: a checkpoint that finds another under way
    returns at once."""
    name = str(settings_dict["NAME"])
    if (
        settings_dict["ENGINE"] != "django.db.backends.sqlite3"
        or name == ":memory:"
        or name.startswith("file:")
        or name in _checkpointers
    ):
        return None
    _checkpointers.add(name)
    stop = threading.Event()

    def run() -> None:
        con = None
        while not stop.wait(CHECKPOINT_SECONDS):
            try:
                if con is None:  # mode=rw: never create a database that is not there
                    uri = f"{Path(name).resolve().as_uri()}?mode=rw"
                    con = sqlite3.connect(uri, uri=True, timeout=0, isolation_level=None)
                con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            except sqlite3.Error:
                # Busy, or the file gone for a restore: the next round opens it again.
                if con is not None:
                    con.close()
                con = None
        if con is not None:
            con.close()
        _checkpointers.discard(name)

    threading.Thread(target=run, name="sqlite-checkpointer", daemon=True).start()
    return stop


# --- a bulk load written straight into the database ---------------------------------------


@contextlib.contextmanager
def rollback_journal_while_alone(connection) -> Iterator[bool]:
    """SQLite: the database in rollback-journal mode for a bulk load while ``connection`` is
    the only one open; yields whether it is.

    In WAL mode every page of a large transaction goes to the log, is found there again by
    the transaction's own reads (an index rebuild scans the table it wrote) and is copied into
    the database after the commit: a 1,000,000-row import wrote its 1.7 GB twice, the copy on
    one core after the last row. A rollback journal keeps only the pages the transaction
    changes that were there before, few when the rows are new.

    Leaving WAL mode needs the database to itself (SQLite refuses at once otherwise): with a
    server, a worker or any other process connected (they read on during a WAL import), the
    load keeps the log. A process that opens the database during the load is refused
    ("database is locked": its ``init_command`` cannot set WAL mode while the load writes)
    until the load ends; that ``init_command`` is also how WAL mode comes back should this
    process die or the switch back fail. Nothing for PostgreSQL, an in-memory database or
    inside a caller's transaction."""
    if connection.vendor != "sqlite" or connection.in_atomic_block or connection.is_in_memory_db():
        yield False
        return
    with connection.cursor() as cur:
        cur.execute("PRAGMA journal_mode")
        before = cur.fetchone()[0]
        switched = False
        if before == "wal":
            try:  # SQLite answers at once, without its busy handler, when others are open
                cur.execute("PRAGMA journal_mode = DELETE")
                switched = cur.fetchone()[0] == "delete"
            except OperationalError:
                pass
    try:
        yield switched
    finally:
        if switched:
            try:
                with connection.cursor() as cur:
                    cur.execute("PRAGMA journal_mode = WAL")
            except OperationalError:
                # Refused (a process opened the database just now): its init_command or the
                # next connection's switches it.
                logger.warning("SQLite database left in rollback-journal mode after a bulk load")

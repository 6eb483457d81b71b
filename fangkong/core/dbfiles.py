"""The embedded database's files: readable by the platform's own user only, and the
write-ahead log copied into the database by the server between requests.

SQLite creates its file with the process's umask (usually 0644: every account on the machine
could copy the whole registry, ciphertexts and blind indexes included) and gives its -wal and
-shm files the database file's mode. So the first connection of each process takes group and
other bits off the three files; the keys beside them are 0600 already (``settings.secrets``).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import threading
from pathlib import Path

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

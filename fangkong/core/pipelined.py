"""A short write (or a hot read) in as few round trips and as little driver code as its
statements allow, on PostgreSQL and SQLite.

The hot single-row paths (one person's status after a new fact, a checkpoint's single scan)
would otherwise pay, per statement, a round trip on PostgreSQL (~0.4 ms each on a VM: BEGIN,
each read and write, the audit entry, COMMIT) and on both databases Django's cursor wrapper
and its SQL rewriting. On a psycopg pipeline the statements travel together and only a read
the code must look at ends a round trip (``fetch``); statements with parameters are prepared
on first use per connection, so the server parses and plans them once. On SQLite the
statements run on the driver's own cursor with their placeholders converted once per process.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

try:
    import fcntl
except ImportError:  # Windows: no writer queue (see _writer_queue)
    fcntl = None


@dataclass
class Pipeline:
    cursor: Any
    conn: Any  # Django's connection (the wrapper itself: ``connection`` is a per-use proxy)
    pipeline: Any = None  # psycopg's; None on SQLite (each statement runs when sent)
    logged: bool = False  # what the debug cursor would show (no parameters)

    @property
    def vendor(self) -> str:
        return self.conn.vendor

    def send(self, statement: str, params=None) -> None:
        if self.pipeline is None:
            self.cursor.execute(*_sqlite_args(statement, params))
        else:
            self.cursor.execute(statement, params, prepare=params is not None)
        if self.logged:
            self.conn.queries_log.append({"sql": statement.strip(), "time": "0.000"})

    def fetch(self, statement: str, params) -> list[tuple]:
        """Send ``statement`` and what is queued before it; its rows."""
        self.send(statement, params)
        if self.pipeline is not None:
            self.pipeline.sync()
        return self.cursor.fetchall()


def _sqlite_args(statement: str, params) -> tuple:
    # Django's SQLite cursor converts a statement's placeholders only when it has parameters.
    return (statement,) if params is None else (_qmark(statement), params)


@lru_cache(maxsize=256)
def _qmark(statement: str) -> str:
    """Django's ``%s`` placeholders as SQLite's ``?`` (its cursor's rule, once per text)."""
    from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX

    return FORMAT_QMARK_REGEX.sub("?", statement).replace("%%", "%")


@contextlib.contextmanager
def transaction() -> Iterator[Pipeline]:
    """One transaction on the default connection. In autocommit BEGIN and COMMIT travel with
    the statements (on SQLite BEGIN in the configured mode: IMMEDIATE takes the write lock
    first); inside a caller's transaction (the on-commit hook's, a test's, a management
    command's) that one is used. Driver errors surface as Django's."""
    conn = connections[DEFAULT_DB_ALIAS]
    conn.ensure_connection()
    raw = conn.connection
    own = conn.get_autocommit()
    if conn.vendor != "postgresql":
        yield from _sqlite_transaction(conn, raw, own)
        return
    cursor = _cursor_class()(raw)
    try:
        with conn.wrap_database_errors, raw.pipeline() as pipeline:
            p = Pipeline(cursor, conn, pipeline, conn.queries_logged)
            if own:
                p.send("BEGIN")
            yield p
            if own:
                p.send("COMMIT")
    except BaseException:
        import psycopg

        if own and raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            with contextlib.suppress(psycopg.Error):  # a dropped connection cannot roll back
                raw.rollback()
        raise
    finally:
        cursor.close()


def _sqlite_transaction(conn, raw, own: bool) -> Iterator[Pipeline]:
    cursor = raw.cursor()
    queue = _writer_queue(conn) if own else contextlib.nullcontext()
    try:
        with queue, conn.wrap_database_errors:
            p = Pipeline(cursor, conn, None, conn.queries_logged)
            if own:
                mode = getattr(conn, "transaction_mode", None)
                p.send(f"BEGIN {mode}" if mode else "BEGIN")
            yield p
            if own:
                p.send("COMMIT")
    except BaseException:
        if own and raw.in_transaction:
            with contextlib.suppress(conn.Database.Error):
                raw.rollback()
        raise
    finally:
        cursor.close()


# SQLite lets one writer in at a time; a writer that finds the database locked sleeps in
# SQLite's busy handler (1, 2, 5, 10… ms, however soon the lock is free). Short writes of
# about 0.3 ms then left a core idle while the other worker slept, and a writer that lost
# twice waited longer still. Our own short write transactions therefore queue on an
# advisory lock file next to the database first (``flock``: the next in line wakes as the
# lock is released), one open file per thread so threads queue like processes. Nothing
# depends on it for correctness — SQLite's own lock still decides, and writers that do not
# queue (Django's transactions) are waited for as before; without ``fcntl`` (Windows) or
# for an in-memory database there is no queue.
_queues = threading.local()


@contextlib.contextmanager
def _writer_queue(conn) -> Iterator[None]:
    fd = _queue_file(conn)
    if fd is None:
        yield
        return
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _queue_file(conn) -> int | None:
    if fcntl is None or conn.is_in_memory_db():
        return None
    path = f"{conn.settings_dict['NAME']}-writers"
    files = getattr(_queues, "files", None)
    if files is None:
        files = _queues.files = {}
    key = (os.getpid(), path)  # a forked child opens its own (a shared one would not queue)
    fd = files.get(key)
    if fd is None:
        fd = files[key] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    return fd


def fetch(statement: str, params) -> list[tuple]:
    """One read outside any pipeline (autocommit, or the caller's transaction): prepared on
    PostgreSQL, the driver's own cursor on SQLite. For fixed-shape look-ups on hot paths."""
    conn = connections[DEFAULT_DB_ALIAS]
    conn.ensure_connection()
    raw = conn.connection
    with conn.wrap_database_errors:
        if conn.vendor == "postgresql":
            with _cursor_class()(raw) as cursor:
                cursor.execute(statement, params, prepare=True)
                rows = cursor.fetchall()
        else:
            cursor = raw.execute(*_sqlite_args(statement, params))
            rows = cursor.fetchall()
    if conn.queries_logged:
        conn.queries_log.append({"sql": statement.strip(), "time": "0.000"})
    return rows


# psycopg turns a statement's ``%s`` placeholders into ``$n`` on every execute and remembers
# the result only for statements under 4 kB with at most 50 parameters; the single scan's one
# statement (``venues.services._one_scan``) is longer, so it was split again on every request,
# and its new bytes hashed again by the prepared-statement cache (~8 % of that request's
# Python). The statements sent here are fixed texts built once per process: their conversion
# is kept per text (bounded, in case a caller ever sends texts of many shapes).
CONVERTED_MAX = 512
_converted: dict[tuple[str, str], tuple] = {}


@lru_cache(maxsize=1)
def _cursor_class():
    import psycopg

    try:  # psycopg's own converter (private): without it, psycopg's cursor as it comes
        from psycopg._queries import PostgresQuery, _query2pg_nocache
    except ImportError:
        return psycopg.Cursor

    class FixedQuery(PostgresQuery):
        __slots__ = ()

        def convert(self, query, vars) -> None:
            if vars is None or type(query) is not str:
                return super().convert(query, vars)
            key = (query, self._tx.encoding)
            found = _converted.get(key)
            if found is None:
                found = _query2pg_nocache(query.encode(key[1]), key[1])
                if len(_converted) < CONVERTED_MAX:
                    _converted[key] = found
            self.query, self._want_formats, self._order, self._parts = found
            self.dump(vars)
            return None

    class Cursor(psycopg.Cursor):
        _query_cls = FixedQuery

    return Cursor

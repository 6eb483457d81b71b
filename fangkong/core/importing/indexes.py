"""Secondary indexes set aside while a large import fills a table small relative to it.

Inserting a row updates every index of the table; building an index once over the finished
table is several times cheaper (SQLite: 1,000,000 residents took 40 s with their indexes,
9 s without and 9 s to build them afterwards). Both SQLite and PostgreSQL run DDL inside the
import's transaction, so the indexes come back with the rollback of a failed, rejected or
dry run (nothing else to do) and are rebuilt before the commit of a successful one.

Kept in place: the primary key, unique indexes (they enforce the natural key and answer the
batches' "which of these exist" lookups) and any index led by a column the import looks
rows up by. On PostgreSQL the dropped index holds an exclusive lock on the table until the
commit, which is why this is done only when the table is small relative to the import (a
first load), never for a routine file.

The audit log's indexes are set aside by the same rule on SQLite only (``audit_indexes``):
there the import's transaction already keeps every other writer out until it commits, and
a reader sees the committed table with its indexes; on PostgreSQL the exclusive lock would
stop every audited write and every audit read of the whole platform for the import's length.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from django.conf import settings

# Helper threads for SQLite's sorter in ``rebuild`` (the calling thread sorts too).
SORTER_THREADS = min(4, os.cpu_count() or 1)


def worth_deferring(connection, table: str, incoming: int | None) -> bool:
    """A large file (``FANGKONG_IMPORT_DEFER_INDEXES_MIN_ROWS`` rows or more) into a table
    holding fewer rows than the file brings."""
    least = settings.FANGKONG_IMPORT_DEFER_INDEXES_MIN_ROWS
    if not least or not incoming or incoming < least:
        return False
    if connection.vendor not in ("sqlite", "postgresql"):
        return False
    with connection.cursor() as cur:
        # A bounded count: only "fewer than ``incoming``" matters.
        cur.execute(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM {connection.ops.quote_name(table)} "  # noqa: S608
            "LIMIT %s) AS t",
            [incoming],
        )
        return cur.fetchone()[0] < incoming


def is_empty(connection, table: str) -> bool:
    with connection.cursor() as cur:
        cur.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608
        return cur.fetchone() is None


def set_aside_audit_indexes(connection, incoming: int | None) -> list[str]:
    """SQLite: the audit log's secondary indexes dropped for a large import into a log
    holding fewer entries than the file brings (one entry a record); their statements."""
    from fangkong.core.models.audit import AuditEntry

    table = AuditEntry._meta.db_table
    if connection.vendor != "sqlite" or not worth_deferring(connection, table, incoming):
        return []
    return drop_secondary_indexes(connection, table, ())


def drop_secondary_indexes(connection, table: str, keep_columns: Iterable[str]) -> list[str]:
    """Drop ``table``'s non-unique indexes not led by a column of ``keep_columns``, inside
    the current transaction; return the statements that re-create them."""
    keep = set(keep_columns)
    return _drop_indexes(
        connection,
        table,
        lambda c: not c["unique"] and c["columns"][0] not in keep,
    )


def drop_key_index(connection, table: str, key_columns: Iterable[str]) -> list[str]:
    """Drop ``table``'s unique index on exactly ``key_columns`` (a named index: a column's
    or table's UNIQUE constraint cannot be set aside and stays) inside the current
    transaction; the statement that re-creates it, which fails if a key then repeats.

    Only for a first load that looks nothing up by the key: in an empty table no record
    matches, the file's own repeats are rejected row by row (``SeenKeys``), and no other
    writer can add a record before the commit (SQLite's write lock; on PostgreSQL the lock
    of the dropped index)."""
    key = set(key_columns)
    return _drop_indexes(connection, table, lambda c: c["unique"] and set(c["columns"]) == key)


def _drop_indexes(connection, table: str, pick) -> list[str]:
    with connection.cursor() as cur:
        constraints = connection.introspection.get_constraints(cur, table)
        names = [
            name
            for name, c in constraints.items()
            if c["index"] and not c["primary_key"] and c["columns"] and pick(c)
        ]
        statements = [_definition(cur, connection.vendor, table, name) for name in names]
        for name in names:
            cur.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return statements


def rebuild(connection, statements: list[str]) -> None:
    if not statements:
        return
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cur:
        if postgres:
            # PostgreSQL refuses CREATE INDEX on a table with deferred foreign-key checks
            # pending (Django's are INITIALLY DEFERRED): run them now, as the commit would.
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        else:
            # SQLite's sorter may use helper threads (none by default): the rebuild is the
            # import's serial tail, when its worker processes have finished and their cores
            # are free (a tenth less time building a million-row index on 2 cores).
            cur.execute("PRAGMA threads")
            threads = cur.fetchone()[0]
            cur.execute(f"PRAGMA threads = {SORTER_THREADS:d}")
        try:
            for sql in statements:
                cur.execute(sql)
        finally:
            if not postgres:
                cur.execute(f"PRAGMA threads = {threads:d}")
        if postgres:
            cur.execute("SET CONSTRAINTS ALL DEFERRED")


def _definition(cur, vendor: str, table: str, name: str) -> str:
    if vendor == "sqlite":
        cur.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND name = %s",
            [table, name],
        )
    else:
        cur.execute(
            "SELECT pg_get_indexdef(c.oid) FROM pg_class c JOIN pg_index x ON x.indexrelid = c.oid "
            "WHERE x.indrelid = %s::regclass AND c.relname = %s",
            [table, name],
        )
    return cur.fetchone()[0]

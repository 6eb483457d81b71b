"""The storage floor of an import: what SQLite alone spends storing what the import stored.

``python -m bench storage`` runs the platform import of the bench CSV on a fresh SQLite
database, then takes the rows it stored — the residents and their audit entries, every
column as stored (ciphertexts, blind indexes, search keys, the chain's hashes) — and writes
them again into another fresh copy of the same database with the import's own procedure:
the same connection settings and bounded page cache, the same indexes set aside and rebuilt,
batches of the same size, one transaction, the planner statistics after the commit.

The rows are read into memory *before* the clock starts (about 4.5 GB at 1,000,000 rows:
this is a measuring tool, not the import), so the figure is SQLite's own work plus the
driver's binding of ready values — what any import that stores the same records and audit
entries must spend in its one writing connection, however fast everything else became.
``--residents-only`` replays the residents without their audit entries.
"""

from __future__ import annotations

import gc
import marshal
import resource
import sqlite3
import time
from pathlib import Path

CHUNK = 2000  # the import's batch (``core.importing.engine``)
RESIDENTS = "registry_resident"
AUDIT = "core_auditentry"


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]


def last_ids(conn: sqlite3.Connection) -> tuple[int, int]:
    """The highest resident and audit entry ids (what a database held before an import)."""
    return tuple(
        conn.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"').fetchone()[0]  # noqa: S608
        for table in (RESIDENTS, AUDIT)
    )


def write_dump(path: Path, columns: tuple[list[str], list[str]], chunks) -> int:
    """``chunks``: (resident rows, audit rows) pairs, written with ``marshal``; the rows."""
    rows = 0
    with path.open("wb") as out:
        marshal.dump(columns, out)
        for residents, entries in chunks:
            marshal.dump((residents, entries), out)
            rows += len(residents)
    return rows


def read_dump(path: Path) -> tuple[tuple[list[str], list[str]], list[tuple[list, list]]]:
    chunks = []
    with path.open("rb") as fh:
        columns = marshal.load(fh)  # noqa: S302 (a file this tool wrote)
        while True:
            try:
                chunks.append(marshal.load(fh))  # noqa: S302
            except EOFError:
                return columns, chunks


def export_stored(conn: sqlite3.Connection, path: Path, after: tuple[int, int]) -> int:
    """Write the residents and audit entries stored after ids ``after`` to ``path``, in id
    order, the audit entries beside the residents in the proportion they were written
    (one per record; the import's own file entry at the end rides with the last batch)."""
    residents = conn.execute(
        f'SELECT * FROM "{RESIDENTS}" WHERE id > ? ORDER BY id',  # noqa: S608
        (after[0],),
    )
    entries = conn.cursor().execute(
        f'SELECT * FROM "{AUDIT}" WHERE id > ? ORDER BY id',  # noqa: S608
        (after[1],),
    )

    def chunks():
        while batch := residents.fetchmany(CHUNK):
            yield batch, entries.fetchmany(len(batch))
        rest = entries.fetchall()
        if rest:
            yield [], rest

    return write_dump(path, (_columns(conn, RESIDENTS), _columns(conn, AUDIT)), chunks())


def replay(path: Path, *, residents_only: bool = False) -> dict:
    """Store the dumped rows into the configured (fresh) SQLite database the way the import
    stores them; seconds of each phase, CPU seconds, peak memory."""
    from django.db import connection, transaction

    from fangkong.core import dbstats
    from fangkong.core.importing import indexes
    from fangkong.core.importing.engine import bounded_sqlite_cache
    from fangkong.registry.importers import ResidentImporter
    from fangkong.registry.models import Resident

    if connection.vendor != "sqlite":
        raise ValueError("the storage floor is measured on SQLite (the target is SQLite's)")
    (res_cols, audit_cols), chunks = read_dump(path)
    if residents_only:
        chunks = [(residents, []) for residents, _entries in chunks]
    rows = sum(len(r) for r, _a in chunks)
    entries = sum(len(a) for _r, a in chunks)
    gc.collect()
    gc.freeze()  # millions of loaded tuples: no collection walks them while the clock runs
    qn = connection.ops.quote_name

    def insert(table: str, columns: list[str]) -> str:
        marks = ", ".join("?" * len(columns))
        return f"INSERT INTO {qn(table)} ({', '.join(map(qn, columns))}) VALUES ({marks})"  # noqa: S608

    res_sql, audit_sql = insert(RESIDENTS, res_cols), insert(AUDIT, audit_cols)
    keys = [Resident._meta.get_field(n).column for n in ResidentImporter.natural_key]
    marks: dict[str, float] = {}
    start, cpu = time.perf_counter(), time.process_time()
    with bounded_sqlite_cache():
        with transaction.atomic():
            rebuild = indexes.set_aside_audit_indexes(connection, entries)
            if indexes.worth_deferring(connection, RESIDENTS, rows):
                rebuild += indexes.drop_secondary_indexes(connection, RESIDENTS, keys)
            raw = connection.connection
            for residents, audit_rows in chunks:
                if residents:
                    raw.executemany(res_sql, residents)
                if audit_rows:
                    raw.executemany(audit_sql, audit_rows)
            marks["inserts_s"] = time.perf_counter() - start
            indexes.rebuild(connection, rebuild)
            marks["rebuild_s"] = time.perf_counter() - start - marks["inserts_s"]
            before_commit = time.perf_counter()
        marks["commit_s"] = time.perf_counter() - before_commit
    before_stats = time.perf_counter()
    dbstats.refresh(connection.alias, [RESIDENTS])
    marks["statistics_s"] = time.perf_counter() - before_stats
    gc.unfreeze()
    return {
        "residents": rows,
        "audit_entries": entries,
        "seconds": round(time.perf_counter() - start, 2),
        "cpu_seconds": round(time.process_time() - cpu, 2),
        **{k: round(v, 2) for k, v in marks.items()},
        "indexes_set_aside": len(rebuild),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }

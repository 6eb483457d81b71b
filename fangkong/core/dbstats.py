"""Planner statistics that cover every index, kept after the writes that change them most.

SQLite plans from ``sqlite_stat1`` and nothing refreshes it on its own. Statistics that cover
some of a table's indexes but not one added later (a migration's list-order index), or that
were taken when the table held a thousandth of its rows, make its planner drive a list page
from the wrong index: 0.7–1.8 s instead of 13–41 ms for a city's lists at full size. So after
``migrate`` (``post_migrate``), a large import, the demo and the benchmarks' bulk loads,
``refresh`` analyses each table whose indexes lack statistics or that has grown well past the
rows they were taken at. Whole, not sampled: ``analysis_limit`` reads the first rows of each
index, and a column whose first thousand rows share a value (blank households) came out
as selective, which sent the planner the wrong way; a full ``ANALYZE`` of 10,000,000 scans
takes ~5 s, of 1,000,000 residents ~1 s. PostgreSQL's autovacuum keeps its
statistics; ``refresh`` analyses there only the tables it is given (right after a bulk load,
before autovacuum comes round).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

# Re-analysed once it holds this many times the rows its statistics were taken at (and a
# few more). Not a thousand more: a table marked small (one row) that had grown to 839 areas
# or 833 volunteers kept its one-row statistics, and SQLite joined such "one-row" tables
# by scanning each inside the other: a city's 48 party-member reports took 22–38 s to list
# (839 areas × 833 volunteers × 48 reports), 40 ms once analysed. ANALYZE of a small table
# costs next to nothing.
GROWTH = 2
SLACK = 50
# How often the background worker looks again while it runs (``watch``).
WATCH_SECONDS = 300


def stale_tables(using: str = "default") -> list[str]:
    """SQLite: the tables whose statistics miss an index or predate most of their rows."""
    return _tables(using)[0]


def _tables(using: str) -> tuple[list[str], list[str]]:
    """(stale tables, empty tables whose indexes have no statistics)."""
    with connections[using].cursor() as c:
        # Not partial indexes: ANALYZE writes no row for one that holds no entry yet (the
        # residents' household index after an import of people in no household), and the
        # table's other indexes tell its growth all the same.
        c.execute(
            "SELECT m.tbl_name, m.name FROM sqlite_master m WHERE m.type = 'index' "
            "AND m.tbl_name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND NOT EXISTS "
            "(SELECT 1 FROM pragma_index_list(m.tbl_name) p WHERE p.name = m.name AND p.partial)"
        )
        indexes = c.fetchall()
        c.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
        stats = []
        if c.fetchone() is not None:
            c.execute("SELECT tbl, idx, stat FROM sqlite_stat1")
            stats = c.fetchall()
        covered = {idx for _tbl, idx, _stat in stats}
        counted = {tbl: int(stat.split()[0]) for tbl, _idx, stat in stats if stat}
        indexed = list(dict.fromkeys(tbl for tbl, _idx in indexes))
        uncovered = {tbl for tbl, idx in indexes if idx not in covered}
        stale, empty = [], []
        for table in indexed:
            if table in uncovered:
                c.execute(f'SELECT 1 FROM "{table}" LIMIT 1')  # noqa: S608
                (stale if c.fetchone() is not None else empty).append(table)
            elif table in counted:
                # The largest rowid: the row count of an append-mostly table, read off the
                # B-tree's edge instead of counted.
                c.execute(f'SELECT max(rowid) FROM "{table}"')  # noqa: S608
                rows = c.fetchone()[0] or 0
                if rows > GROWTH * counted[table] + SLACK:
                    stale.append(table)
        return stale, empty


def _mark_small(cursor, tables: list[str]) -> None:
    """Statistics of one row for each index of these empty tables. ``ANALYZE`` writes none
    for an empty table, and SQLite then plans as if it held a million rows: a city's alert
    list (no alerts yet) was driven from the 10,000 quarantine assignments and their
    residents, 600 ms for an empty page. Once such a table holds more than ``GROWTH`` × 1 +
    ``SLACK`` rows, ``stale_tables`` has it analysed for real."""
    rows = []
    for table in tables:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s", [table]
        )
        for (index,) in cursor.fetchall():
            cursor.execute(f'PRAGMA index_info("{index}")')
            rows.append((table, index, " ".join(["1"] * (len(cursor.fetchall()) + 1))))
    if rows:
        cursor.execute("ANALYZE sqlite_schema")  # creates sqlite_stat1 where none is yet
        cursor.executemany("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (%s, %s, %s)", rows)
        cursor.execute("ANALYZE sqlite_schema")  # the planner reads them again


def refresh(using: str = "default", tables: Iterable[str] = ()) -> list[str]:
    """Analyse what needs it (see the module); returns the tables analysed."""
    connection = connections[using]
    tables = list(dict.fromkeys(tables))
    if connection.vendor == "sqlite":
        stale, empty = _tables(using)
        todo = list(dict.fromkeys([*tables, *stale]))
        with connection.cursor() as c:
            for table in todo:
                c.execute(f'ANALYZE "{table}"')
            _mark_small(c, [t for t in empty if t not in todo])
        return todo
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            for table in tables:
                c.execute(f'ANALYZE "{table}"')
        return tables
    return []


def refresh_after_migrate(sender, using: str = "default", **kwargs) -> None:
    """``post_migrate``: a migration's new index gets its statistics at once."""
    refresh(using)


def watch(stop: threading.Event, every: float = WATCH_SECONDS, using: str = "default") -> None:
    """``refresh`` every ``every`` seconds until ``stop`` is set: the worker's thread.

    A city fills its areas, accounts and API tokens through the pages and small imports after
    ``migrate`` marked those tables small, and a server runs for weeks: planned as one row,
    SQLite read every API token's area by scanning the whole area table (45 pages for a
    city's 1,126 areas on each request, under concurrent writes each page a read from disk).
    A look costs one query per table when nothing is stale."""
    while not stop.wait(every):
        try:
            refresh(using)
        except DatabaseError:
            # Busy (an import holds the write lock past the timeout): next round.
            logger.warning("planner statistics not refreshed this round", exc_info=True)
        except Exception:
            # The thread keeps going: a failed look must not end the next ones.
            logger.exception("planner statistics refresh failed")
        finally:
            connections[using].close()  # this thread's own connection


def start_watching(every: float = WATCH_SECONDS) -> threading.Event:
    """Start ``watch`` in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(target=watch, args=(stop, every), name="dbstats", daemon=True).start()
    return stop

"""``ScanDayCount``: scans per venue and local day, kept at ingest.

Every path that inserts scans adds what it inserted, in the same transaction as the insert:
the services (batch API, single scans, the web pages) through ``add_day_counts`` with the
rows the insert returned, ``Scan.save`` for one row, and loaders that write scans without
the services (demo, benchmarks, test fixtures) through ``count_scans`` on a queryset of the
rows they wrote. Retention removes scans and leaves their counts, so a figure is the number
of scans ever stored for that venue and day, purged or not.

One ``INSERT … ON CONFLICT DO UPDATE SET scans = scans + excluded.scans`` per batch (one row
per distinct venue and day, in key order so two batches lock shared rows in the same order).
On PostgreSQL the batch's scan insert and this upsert are one statement (``counting_insert``:
the upsert groups what the insert returned, local days by the database); on SQLite the rows
the insert returned are counted here (``tally``) and upserted by ``add_day_counts``.

A single scan on PostgreSQL adds to the first row of its venue's day that no other single
scan is writing (claimed with an advisory lock, ``_spread_ctes``), or starts another when all
are taken: the row stays locked until the scan's commit is flushed, and with one row per
venue and day every scan at a busy checkpoint waited for the one before it to reach the
disk. So a (venue, day) may have a few rows (``shard``: as many as single scans ever wrote
it at once, from 1), and a figure is their sum. Batches and SQLite add to row 0, so a
single scan never waits for a batch either.

The same write adds them up per area of the venue and day (``ScanAreaDayCount``, what a
city's figures and trends read): on PostgreSQL a third part of the counting statement, which
reads the batch's venues ``FOR SHARE`` so a concurrent move of a venue waits for the batch
(or the batch counts in the moved area); elsewhere a second upsert of the same chunk, joined
to the venues. A venue moved to another area takes its counts along (``AREA_COUNTS``, a
trigger: every writer of venues).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from functools import lru_cache

from django.db import connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from fangkong.core.triggers import KeptBy

from .models import ScanAreaDayCount, ScanDayCount

# (venue id, local day) → (scans, refused)
Tally = dict[tuple[int, datetime.date], tuple[int, int]]

UPSERT_CHUNK = 500


def tally(rows: Iterable[tuple[int, datetime.datetime, bool]]) -> Tally:
    """``(venue id, scanned_at, admitted)`` rows → their counts per venue and local day.

    A batch's scans fall on a day or two: the local day is read from the boundaries of the
    last day found (two comparisons) rather than a time-zone conversion per scan."""
    tz = timezone.get_default_timezone()
    out: Tally = {}
    start = end = None
    day = None
    one_day = datetime.timedelta(days=1)
    for venue_id, moment, admitted in rows:
        if start is None or not start <= moment < end:
            day = moment.astimezone(tz).date()
            start = datetime.datetime.combine(day, datetime.time(), tz)
            # Compared as instants: right on 23- and 25-hour days too, and where a clock
            # change falls on midnight (fold 0 is the first instant of that local day).
            end = datetime.datetime.combine(day + one_day, datetime.time(), tz)
        n, refused = out.get((venue_id, day), (0, 0))
        out[venue_id, day] = (n + 1, refused + (not admitted))
    return out


def _adding(table: str, key: str) -> str:
    """The upsert's ``ON CONFLICT`` clause: adds to the (``key``, day, shard) row of
    ``table`` already there."""
    return (
        f"ON CONFLICT ({key}, day, shard) DO UPDATE SET "
        f"scans = {table}.scans + excluded.scans, refused = {table}.refused + excluded.refused"
    )


def _conflict_sql() -> str:
    return _adding(ScanDayCount._meta.db_table, "venue_id")


def _columns_sql() -> str:
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in ("venue_id", "day", "scans", "refused"))
    return f"{qn(ScanDayCount._meta.db_table)} ({cols})"


def _area_conflict_sql() -> str:
    return _adding(ScanAreaDayCount._meta.db_table, "area_id")


def _area_columns_sql() -> str:
    return f"{ScanAreaDayCount._meta.db_table} (area_id, day, scans, refused)"


@lru_cache(maxsize=64)
def _area_upsert_sql(rows: int) -> str:
    """The chunk's counts (venue, day, scans, refused) added per area of the venue. The
    ``WHERE true`` tells SQLite's parser the upsert clause from a join constraint."""
    values = ", ".join(["(%s, %s, %s, %s)"] * rows)
    return (
        f"INSERT INTO {_area_columns_sql()} "  # noqa: S608
        "SELECT v.area_id, c.column2, sum(c.column3), sum(c.column4) "
        f"FROM (VALUES {values}) c JOIN venues_venue v ON v.id = c.column1 WHERE true "
        f"GROUP BY 1, 2 ORDER BY 1, 2 {_area_conflict_sql()}"
    )


@lru_cache(maxsize=64)
def _upsert_sql(rows: int) -> str:
    values = ", ".join(["(%s, %s, %s, %s)"] * rows)
    return f"INSERT INTO {_columns_sql()} VALUES {values} {_conflict_sql()}"  # noqa: S608


@lru_cache(maxsize=64)
def counting_insert(insert_sql: str, returning: str) -> str:
    """PostgreSQL: ``insert_sql`` (an ``INSERT INTO`` the scan table ``… ON CONFLICT DO
    NOTHING``) and the day-count upserts of the rows it stored (per venue, and per area of
    the venue), as one statement returning ``returning`` of those rows. Its last parameter is
    the time-zone name (``counting_insert_params``)."""
    return f"WITH {counting_ctes(insert_sql, returning)} SELECT {returning} FROM ins"  # noqa: S608


@lru_cache(maxsize=64)
def counting_ctes(
    insert_sql: str, returning: str, *, counted_rows: bool = False, spread: bool = False
) -> str:
    """``counting_insert``'s parts of a ``WITH`` (``ins`` holds the stored rows), for a
    statement that goes on after them. ``counted_rows``: the two upserts return a row per
    day count they add to, so the statement can wait for them (``COUNTED_FIRST``).
    ``spread`` (a single scan: one venue and day): each count goes to a row of its day no
    other transaction holds, or to a new one."""
    back = " RETURNING 1" if counted_rows else ""
    per_day = (
        f"ins AS ({insert_sql} RETURNING {returning}, "  # noqa: S608
        '"scanned_at" AS day_at, "admitted" AS day_admitted, "venue_id" AS day_venue), '
        "per_day AS (SELECT day_venue, (day_at AT TIME ZONE %s)::date AS day_d, "
        "count(*) AS day_n, count(*) FILTER (WHERE NOT day_admitted) AS day_r "
        "FROM ins GROUP BY 1, 2), "
        "venue_areas AS (SELECT id, area_id FROM venues_venue "
        "WHERE id IN (SELECT day_venue FROM per_day) FOR SHARE), "
    )
    # Only quoted identifiers and fixed clauses are interpolated (S608).
    if not spread:
        return per_day + (  # noqa: S608
            f"counted AS (INSERT INTO {_columns_sql()} "  # noqa: S608
            "SELECT day_venue, day_d, day_n, day_r FROM per_day ORDER BY 1, 2 "
            f"{_conflict_sql()}{back}), "
            f"area_counted AS (INSERT INTO {_area_columns_sql()} "
            "SELECT v.area_id, day_d, sum(day_n), sum(day_r) FROM per_day "
            "JOIN venue_areas v ON v.id = day_venue GROUP BY 1, 2 ORDER BY 1, 2 "
            f"{_area_conflict_sql()}{back})"
        )
    venue_table, area_table = ScanDayCount._meta.db_table, ScanAreaDayCount._meta.db_table
    return per_day + (  # noqa: S608
        "area_day AS (SELECT v.area_id, day_d, day_n, day_r FROM per_day "
        "JOIN venue_areas v ON v.id = day_venue), "
        + _spread_ctes("counted", venue_table, "venue_id", "per_day", "day_venue", back)
        + ", "
        + _spread_ctes("area_counted", area_table, "area_id", "area_day", "area_id", back)
    )


# How many rows a (venue or area, day) may be spread over before a single scan waits for
# one (row 1 then); as many as single scans write it at once, i.e. server processes.
SPREAD_ROWS = 64


def _spread_ctes(name: str, table: str, key: str, source: str, source_key: str, back: str):
    """``name``: the one (key, day) count of ``source`` added to the first of its rows that
    no other single scan is writing — claimed with a transaction-level advisory lock on
    (table, key, day; row), so a row being written is passed over without waiting for it and
    without locking rows. ``ON CONFLICT DO UPDATE`` then adds to the newest version of the
    row, whatever this statement's snapshot saw (a ``FOR UPDATE`` lock on a row another scan
    had updated since the statement began made PostgreSQL re-check it: EvalPlanQual, which
    sets up every part of the statement again). Batches add to row 0 under its row lock."""
    claim = (
        f"pg_try_advisory_xact_lock(hashtext('{table}:' || s.{source_key} || ':' || s.day_d), k)"
    )
    return (
        f"{name} AS (INSERT INTO {table} ({key}, day, shard, scans, refused) "  # noqa: S608
        f"SELECT s.{source_key}, s.day_d, COALESCE((SELECT k FROM "
        f"generate_series(1, {SPREAD_ROWS}) k WHERE {claim} LIMIT 1), 1), s.day_n, s.day_r "
        f"FROM {source} s {_adding(table, key)}{back})"
    )


# A condition true once both day-count upserts of ``counting_ctes(..., counted_rows=True)``
# have run. PostgreSQL runs a data-modifying CTE that nothing reads after the rest of the
# statement; a statement that must lock a hot row last (the audit chain head) makes the
# lock wait for this condition.
COUNTED_FIRST = "(SELECT count(*) FROM counted) + (SELECT count(*) FROM area_counted) >= 0"


def counting_insert_params() -> list[str]:
    return [timezone.get_default_timezone_name()]


def add_day_counts(counts: Mapping[tuple[int, datetime.date], tuple[int, int]]) -> int:
    """Add ``counts`` to ``ScanDayCount`` (inside the caller's transaction, which inserted
    the scans they count); returns the number of (venue, day) rows touched."""
    statements = upserts(counts)
    if statements:
        with connection.cursor() as cur:
            for sql, params in statements:
                cur.execute(sql, params)
    return len(counts)


def upserts(counts: Mapping[tuple[int, datetime.date], tuple[int, int]]) -> list[tuple]:
    """The ``(sql, params)`` statements adding ``counts`` (``UPSERT_CHUNK`` rows each, in key
    order), for the caller's cursor or ``core.pipelined`` transaction."""
    ops = connection.ops
    items = sorted(counts.items())
    out = []
    for start in range(0, len(items), UPSERT_CHUNK):
        chunk = items[start : start + UPSERT_CHUNK]
        params = []
        for (venue_id, day), (n, refused) in chunk:
            params += [venue_id, ops.adapt_datefield_value(day), n, refused]
        out.append((_upsert_sql(len(chunk)), params))
        out.append((_area_upsert_sql(len(chunk)), params))
    return out


def count_scans(qs) -> int:
    """Add the scans of ``qs`` to ``ScanDayCount``: for loaders that insert scans without
    the services (demo data, benchmarks, test fixtures), called with exactly the rows they
    inserted. Counted by the database, in one grouped query."""
    groups = (
        qs.annotate(day=TruncDate("scanned_at", tzinfo=timezone.get_default_timezone()))
        .values("venue_id", "day")
        .annotate(n=Count("uuid"), refused=Count("uuid", filter=Q(admitted=False)))
        .order_by()
        .values_list("venue_id", "day", "n", "refused")
    )
    with transaction.atomic():
        return add_day_counts({(v, d): (n, r) for v, d, n, r in groups.iterator()})


# A venue moved to another area takes its day counts along (every writer of venues: the
# service, an import, a bulk update). One upsert of the venue's days (its rows of a day
# summed): minus in the old area, plus in the new, both in row 0 (an area's row may go below
# zero; the figure is the sum of its rows).
_MOVE_SQL = (
    "INSERT INTO venues_scanareadaycount (area_id, day, scans, refused) "
    "SELECT {new}.area_id, day, sum(scans), sum(refused) FROM venues_scandaycount "
    "WHERE venue_id = {new}.id GROUP BY day "
    "UNION ALL SELECT {old}.area_id, day, -sum(scans), -sum(refused) FROM venues_scandaycount "
    "WHERE venue_id = {new}.id GROUP BY day "
    "ON CONFLICT (area_id, day, shard) DO UPDATE SET "
    "scans = venues_scanareadaycount.scans + excluded.scans, "
    "refused = venues_scanareadaycount.refused + excluded.refused"
)
AREA_COUNTS = KeptBy(
    source="venues_scandaycount",
    install_statements={
        "postgresql": (
            "CREATE FUNCTION venues_scanareadaycount_move() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN {_MOVE_SQL.format(new='NEW', old='OLD')}; RETURN NULL; END $$",
            "CREATE TRIGGER venues_scanareadaycount_move AFTER UPDATE OF area_id ON venues_venue "
            "FOR EACH ROW WHEN (OLD.area_id IS DISTINCT FROM NEW.area_id) "
            "EXECUTE FUNCTION venues_scanareadaycount_move()",
        ),
        "sqlite": (
            "CREATE TRIGGER venues_scanareadaycount_move AFTER UPDATE OF area_id ON venues_venue "
            "WHEN OLD.area_id IS NOT NEW.area_id "
            f"BEGIN {_MOVE_SQL.format(new='NEW', old='OLD')}; END",
        ),
    },
    uninstall_statements={
        "postgresql": (
            "DROP TRIGGER IF EXISTS venues_scanareadaycount_move ON venues_venue",
            "DROP FUNCTION IF EXISTS venues_scanareadaycount_move()",
        ),
        "sqlite": ("DROP TRIGGER IF EXISTS venues_scanareadaycount_move",),
    },
    # ``ScanDayCount`` added up per area again (its writers held off by ``rebuild``).
    rebuild_statements=(
        "DELETE FROM venues_scanareadaycount",
        "INSERT INTO venues_scanareadaycount (area_id, day, scans, refused) "
        "SELECT v.area_id, c.day, sum(c.scans), sum(c.refused) FROM venues_scandaycount c "
        "JOIN venues_venue v ON v.id = c.venue_id GROUP BY v.area_id, c.day",
    ),
    names=("venues_scanareadaycount_move",),
)

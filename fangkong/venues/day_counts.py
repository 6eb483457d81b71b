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
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from functools import lru_cache

from django.db import connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from .models import ScanDayCount

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


def _conflict_sql() -> str:
    """The upsert's ``ON CONFLICT`` clause: adds to a (venue, day) row already there."""
    qn = connection.ops.quote_name
    table = qn(ScanDayCount._meta.db_table)
    scans, refused = qn("scans"), qn("refused")
    return (
        f"ON CONFLICT ({qn('venue_id')}, {qn('day')}) DO UPDATE SET "
        f"{scans} = {table}.{scans} + excluded.{scans}, "
        f"{refused} = {table}.{refused} + excluded.{refused}"
    )


def _columns_sql() -> str:
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in ("venue_id", "day", "scans", "refused"))
    return f"{qn(ScanDayCount._meta.db_table)} ({cols})"


@lru_cache(maxsize=64)
def _upsert_sql(rows: int) -> str:
    values = ", ".join(["(%s, %s, %s, %s)"] * rows)
    return f"INSERT INTO {_columns_sql()} VALUES {values} {_conflict_sql()}"  # noqa: S608


@lru_cache(maxsize=64)
def counting_insert(insert_sql: str, returning: str) -> str:
    """PostgreSQL: ``insert_sql`` (an ``INSERT INTO`` the scan table ``… ON CONFLICT DO
    NOTHING``) and the day-count upsert of the rows it stored, as one statement returning
    ``returning`` of those rows. Its last parameter is the time-zone name
    (``counting_insert_params``)."""
    return (
        f"WITH ins AS ({insert_sql} RETURNING {returning}, "  # noqa: S608
        '"scanned_at" AS day_at, "admitted" AS day_admitted, "venue_id" AS day_venue), '
        f"counted AS (INSERT INTO {_columns_sql()} "
        "SELECT day_venue, (day_at AT TIME ZONE %s)::date, count(*), "
        "count(*) FILTER (WHERE NOT day_admitted) FROM ins GROUP BY 1, 2 ORDER BY 1, 2 "
        f"{_conflict_sql()}) "
        f"SELECT {returning} FROM ins"
    )


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

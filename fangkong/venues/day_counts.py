"""``ScanDayCount``: scans per venue and local day, kept at ingest.

Every path that inserts scans adds what it inserted, in the same transaction as the insert:
the services (batch API, single scans, the web pages) through ``add_day_counts`` with the
rows the insert returned, ``Scan.save`` for one row, and loaders that write scans without
the services (demo, benchmarks, test fixtures) through ``count_scans`` on a queryset of the
rows they wrote. Retention removes scans and leaves their counts, so a figure is the number
of scans ever stored for that venue and day, purged or not.

One ``INSERT … ON CONFLICT DO UPDATE SET scans = scans + excluded.scans`` per batch (one row
per distinct venue and day, in key order so two batches lock shared rows in the same order);
both databases run the same statement.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping

from django.db import connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from .models import ScanDayCount

# (venue id, local day) → (scans, refused)
Tally = dict[tuple[int, datetime.date], tuple[int, int]]

UPSERT_CHUNK = 500


def tally(rows: Iterable[tuple[int, datetime.datetime, bool]]) -> Tally:
    """``(venue id, scanned_at, admitted)`` rows → their counts per venue and local day."""
    tz = timezone.get_default_timezone()
    days: dict = {}
    out: Tally = {}
    for venue_id, moment, admitted in rows:
        day = days.get(moment)
        if day is None:
            day = days[moment] = moment.astimezone(tz).date()
        n, refused = out.get((venue_id, day), (0, 0))
        out[venue_id, day] = (n + 1, refused + (not admitted))
    return out


def _upsert_sql(rows: int) -> str:
    qn = connection.ops.quote_name
    table = qn(ScanDayCount._meta.db_table)
    scans, refused = qn("scans"), qn("refused")
    values = ", ".join(["(%s, %s, %s, %s)"] * rows)
    return (
        f"INSERT INTO {table} ({qn('venue_id')}, {qn('day')}, {scans}, {refused}) "  # noqa: S608
        f"VALUES {values} ON CONFLICT ({qn('venue_id')}, {qn('day')}) DO UPDATE SET "
        f"{scans} = {table}.{scans} + excluded.{scans}, "
        f"{refused} = {table}.{refused} + excluded.{refused}"
    )


def add_day_counts(counts: Mapping[tuple[int, datetime.date], tuple[int, int]]) -> int:
    """Add ``counts`` to ``ScanDayCount`` (inside the caller's transaction, which inserted
    the scans they count); returns the number of (venue, day) rows touched."""
    if not counts:
        return 0
    ops = connection.ops
    items = sorted(counts.items())
    with connection.cursor() as cur:
        for start in range(0, len(items), UPSERT_CHUNK):
            chunk = items[start : start + UPSERT_CHUNK]
            params = []
            for (venue_id, day), (n, refused) in chunk:
                params += [venue_id, ops.adapt_datefield_value(day), n, refused]
            cur.execute(_upsert_sql(len(chunk)), params)
    return len(items)


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

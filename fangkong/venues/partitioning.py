"""Time partitioning of the scan table on PostgreSQL (SQLite keeps one plain table).

``venues_scan`` is declared ``PARTITION BY RANGE (scanned_at)`` with one partition per local
calendar month (``venues_scan_p2026_11``) and a default partition that catches stragglers
(a device resending last year's backlog, a clock set wrong). Its primary key is
``(scanned_at, uuid)``, which PostgreSQL requires to contain the partition key.

Partitions are created ahead of time by ``fangkong create-scan-partitions --months N``. If
the default partition already holds rows of a month being created, they are moved into the
new partition in the same transaction (the append-only trigger lets this one session do it).
Old months are removed by dropping their partition, never by row deletes.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, migrations, transaction

TABLE = "venues_scan"
DEFAULT_PARTITION = f"{TABLE}_default"
PARTITION_KEY = "scanned_at"
MAINTENANCE_SETTING = "fangkong.scan_maintenance"


class CreatePartitionedModel(migrations.CreateModel):
    """``CreateModel`` whose table is range-partitioned on PostgreSQL (a plain table elsewhere).

    Django builds the table, its keys, indexes and foreign keys as usual; only the CREATE
    TABLE statement gains ``PARTITION BY RANGE``.
    """

    def __init__(self, *args, partition_key: str, **kwargs):
        self.partition_key = partition_key
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, args, kwargs = super().deconstruct()
        kwargs["partition_key"] = self.partition_key
        return name, args, kwargs

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        original = schema_editor.sql_create_table
        quoted = schema_editor.quote_name(self.partition_key)
        schema_editor.sql_create_table = f"{original} PARTITION BY RANGE ({quoted})"
        try:
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        finally:
            schema_editor.sql_create_table = original


# SQL run by migration 0002 on PostgreSQL: the default partition and the append-only trigger.
POSTGRES_SETUP = f"""
CREATE TABLE {DEFAULT_PARTITION} PARTITION OF {TABLE} DEFAULT;
CREATE FUNCTION venues_scan_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('{MAINTENANCE_SETTING}', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'scans are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER venues_scan_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION venues_scan_append_only();
"""
POSTGRES_TEARDOWN = f"""
DROP TRIGGER IF EXISTS venues_scan_append_only ON {TABLE};
DROP FUNCTION IF EXISTS venues_scan_append_only();
DROP TABLE IF EXISTS {DEFAULT_PARTITION};
"""


def setup_postgres(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_SETUP, params=None)


def teardown_postgres(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_TEARDOWN, params=None)


# --- monthly partitions -------------------------------------------------------------------


@dataclass(frozen=True)
class Partition:
    name: str
    start: datetime.datetime
    end: datetime.datetime


def month_partition(year: int, month: int) -> Partition:
    """The partition of a local calendar month (bounds in ``settings.TIME_ZONE``)."""
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    start = datetime.datetime(year, month, 1, tzinfo=tz)
    nyear, nmonth = (year + 1, 1) if month == 12 else (year, month + 1)
    end = datetime.datetime(nyear, nmonth, 1, tzinfo=tz)
    return Partition(f"{TABLE}_p{year:04d}_{month:02d}", start, end)


def upcoming_partitions(months: int, *, today: datetime.date) -> list[Partition]:
    """This month and the ``months - 1`` following ones."""
    year, month = today.year, today.month
    out = []
    for _ in range(months):
        out.append(month_partition(year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def existing_partitions() -> list[str]:
    """Names of the partitions of the scan table (PostgreSQL), sorted."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass ORDER BY c.relname",
            [TABLE],
        )
        return [row[0] for row in cur.fetchall()]


def is_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = %s::regclass", [TABLE])
        return cur.fetchone() is not None


def create_partition(part: Partition) -> int | None:
    """Create one month's partition; returns the rows moved from the default partition, or
    ``None`` when it already existed (the command is idempotent)."""
    qn = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cur:
        if part.name in existing_partitions():
            return None
        # Stop inserts into the default partition while its rows of this month move out.
        cur.execute(f"LOCK TABLE {qn(DEFAULT_PARTITION)} IN SHARE ROW EXCLUSIVE MODE")
        bounds = [part.start, part.end]
        cur.execute(
            f"SELECT count(*) FROM {qn(DEFAULT_PARTITION)} "  # noqa: S608 (fixed identifiers)
            f"WHERE {qn(PARTITION_KEY)} >= %s AND {qn(PARTITION_KEY)} < %s",
            bounds,
        )
        stragglers = cur.fetchone()[0]
        if not stragglers:
            cur.execute(
                f"CREATE TABLE {qn(part.name)} PARTITION OF {qn(TABLE)} "
                "FOR VALUES FROM (%s) TO (%s)",
                bounds,
            )
            return 0
        cur.execute(
            f"CREATE TABLE {qn(part.name)} (LIKE {qn(TABLE)} INCLUDING DEFAULTS INCLUDING "
            "CONSTRAINTS)"
        )
        cur.execute(f"SET LOCAL {MAINTENANCE_SETTING} = 'on'")
        cur.execute(
            f"WITH moved AS (DELETE FROM {qn(DEFAULT_PARTITION)} "  # noqa: S608
            f"WHERE {qn(PARTITION_KEY)} >= %s AND {qn(PARTITION_KEY)} < %s RETURNING *) "
            f"INSERT INTO {qn(part.name)} SELECT * FROM moved",
            bounds,
        )
        cur.execute(f"SET LOCAL {MAINTENANCE_SETTING} = 'off'")
        cur.execute(
            f"ALTER TABLE {qn(TABLE)} ATTACH PARTITION {qn(part.name)} "
            "FOR VALUES FROM (%s) TO (%s)",
            bounds,
        )
        return stragglers


def create_upcoming_partitions(
    months: int, *, today: datetime.date
) -> list[tuple[str, int | None]]:
    """Create the partitions of this month and the next ones; ``[(name, moved or None)]``."""
    return [(p.name, create_partition(p)) for p in upcoming_partitions(months, today=today)]

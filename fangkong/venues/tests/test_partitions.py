"""The scan table's storage: range partitions by month on PostgreSQL, append-only."""

import datetime
import uuid
import zoneinfo

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from fangkong.venues import partitioning
from fangkong.venues.choices import ScanColour, ScanSource, VenueKind
from fangkong.venues.models import Scan, Venue

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def _venue(area) -> Venue:
    return Venue.objects.create(area=area, name="菜市场", kind=VenueKind.MARKET)


def _scan(venue, when) -> Scan:
    return Scan.objects.create(
        scanned_at=when,
        venue=venue,
        colour=ScanColour.GREEN,
        admitted=True,
        source=ScanSource.DEVICE,
        recorded_at=timezone.now(),
    )


def _partition_of(scan: Scan) -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT tableoid::regclass::text FROM venues_scan WHERE uuid = %s", [scan.uuid])
        return cur.fetchone()[0]


def test_month_partition_bounds_are_local_midnight(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    part = partitioning.month_partition(2026, 12)
    assert part.name == "venues_scan_p2026_12"
    assert part.start == datetime.datetime(2026, 12, 1, tzinfo=SHANGHAI)
    assert part.end == datetime.datetime(2027, 1, 1, tzinfo=SHANGHAI)
    names = [p.name for p in partitioning.upcoming_partitions(3, today=datetime.date(2026, 11, 30))]
    assert names == ["venues_scan_p2026_11", "venues_scan_p2026_12", "venues_scan_p2027_01"]


def test_sqlite_keeps_a_plain_table(db):
    if connection.vendor == "postgresql":
        assert partitioning.is_partitioned()
    else:
        assert not partitioning.is_partitioned()


@pytest.mark.postgres
def test_scan_table_is_partitioned_with_a_default_partition(db):
    assert partitioning.is_partitioned()
    assert partitioning.existing_partitions() == ["venues_scan_default"]


@pytest.mark.postgres
def test_create_partitions_is_idempotent_and_routes_rows(areas):
    venue = _venue(areas["grid_a"])
    today = datetime.date(2031, 1, 15)
    created = partitioning.create_upcoming_partitions(2, today=today)
    assert created == [("venues_scan_p2031_01", 0), ("venues_scan_p2031_02", 0)]
    again = partitioning.create_upcoming_partitions(3, today=today)
    assert again == [
        ("venues_scan_p2031_01", None),
        ("venues_scan_p2031_02", None),
        ("venues_scan_p2031_03", 0),
    ]
    inside = _scan(venue, datetime.datetime(2031, 2, 28, 23, 59, tzinfo=SHANGHAI))
    # 2031-03-01 00:30 in Shanghai is still February in UTC: local month bounds decide.
    march = _scan(venue, datetime.datetime(2031, 3, 1, 0, 30, tzinfo=SHANGHAI))
    later = _scan(venue, datetime.datetime(2031, 7, 1, tzinfo=SHANGHAI))
    assert _partition_of(inside) == "venues_scan_p2031_02"
    assert _partition_of(march) == "venues_scan_p2031_03"
    assert _partition_of(later) == "venues_scan_default"


@pytest.mark.postgres
def test_creating_a_partition_moves_stragglers_out_of_the_default(areas):
    venue = _venue(areas["grid_a"])
    early = _scan(venue, datetime.datetime(2032, 5, 2, 8, 0, tzinfo=SHANGHAI))
    other = _scan(venue, datetime.datetime(2032, 6, 2, 8, 0, tzinfo=SHANGHAI))
    assert _partition_of(early) == "venues_scan_default"
    result = partitioning.create_upcoming_partitions(1, today=datetime.date(2032, 5, 20))
    assert result == [("venues_scan_p2032_05", 1)]
    assert _partition_of(early) == "venues_scan_p2032_05"
    assert _partition_of(other) == "venues_scan_default"
    assert Scan.objects.filter(venue=venue).count() == 2
    # The moved partition took over the parent's indexes and the append-only trigger.
    with connection.cursor() as cur:
        cur.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'venues_scan_p2032_05'")
        index_count = len(cur.fetchall())
    assert index_count == 5  # primary key and the four tracing indexes
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute("DELETE FROM venues_scan_p2032_05")


@pytest.mark.postgres
def test_database_refuses_update_and_delete_of_scans(areas):
    venue = _venue(areas["grid_a"])
    scan = _scan(venue, timezone.now())
    for sql in (
        "UPDATE venues_scan SET admitted = false WHERE uuid = %s",
        "DELETE FROM venues_scan WHERE uuid = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(sql, [scan.uuid])
    assert Scan.objects.get(uuid=scan.uuid).admitted is True


def test_orm_refuses_update_and_delete_of_scans(areas):
    venue = _venue(areas["grid_a"])
    scan = _scan(venue, timezone.now())
    with pytest.raises(PermissionError):
        Scan.objects.filter(uuid=scan.uuid).update(admitted=False)
    with pytest.raises(PermissionError):
        Scan.objects.filter(uuid=scan.uuid).delete()
    with pytest.raises(PermissionError):
        scan.delete()
    stored = Scan.objects.get(uuid=scan.uuid)
    stored.admitted = False
    with pytest.raises(PermissionError):
        stored.save()
    assert Scan.objects.get(uuid=scan.uuid).admitted is True


def test_same_uuid_and_time_is_one_row(areas):
    venue = _venue(areas["grid_a"])
    when = timezone.now()
    key = uuid.uuid4()
    Scan.objects.create(
        uuid=key,
        scanned_at=when,
        venue=venue,
        colour=ScanColour.GREEN,
        admitted=True,
        source=ScanSource.DEVICE,
        recorded_at=when,
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        Scan.objects.create(
            uuid=key,
            scanned_at=when,
            venue=venue,
            colour=ScanColour.GREEN,
            admitted=True,
            source=ScanSource.DEVICE,
            recorded_at=when,
        )
    assert Scan.objects.filter(uuid=key).count() == 1


@pytest.mark.postgres
def test_create_scan_partitions_command_is_idempotent(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("create_scan_partitions", months=2, stdout=out)
    call_command("create_scan_partitions", months=2, stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("已创建 venues_scan_p") and lines[0].endswith(
        "（从默认分区移入 0 条）"
    )
    assert lines[2].endswith("已存在") and lines[3].endswith("已存在")
    assert len(partitioning.existing_partitions()) == 3  # two months and the default


def test_create_scan_partitions_command_on_sqlite_says_so(db):
    from io import StringIO

    from django.core.management import call_command

    if connection.vendor == "postgresql":
        return
    out = StringIO()
    call_command("create_scan_partitions", months=2, stdout=out)
    assert out.getvalue().strip() == "当前数据库不是 PostgreSQL 分区表（如 SQLite），无需创建分区"

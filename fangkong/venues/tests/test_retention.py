"""Scan retention: whole partitions dropped on PostgreSQL, batches deleted on SQLite, daily
figures (counted in ScanDayCount at ingest) left as they were, nothing inside the period
touched, the audit chain intact."""

import datetime
import io
import zoneinfo

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from fangkong.core import retention
from fangkong.core.audit import verify_chain
from fangkong.core.models import AuditEntry
from fangkong.venues import partitioning
from fangkong.venues.choices import ScanColour, ScanSource
from fangkong.venues.models import Scan, ScanDayCount

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
AS_OF = "2031-03-15"  # 28 days: scans before 2031-02-15 00:00 local time have expired


def _at(month, day, hour=9, minute=0):
    year = 2030 if month > 6 else 2031
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def _scan(venue, when, *, admitted=True) -> Scan:
    return Scan.objects.create(
        scanned_at=when,
        venue=venue,
        colour=ScanColour.GREEN if admitted else ScanColour.RED,
        admitted=admitted,
        source=ScanSource.DEVICE,
        recorded_at=timezone.now(),
    )


@pytest.fixture
def scans(market, checkpoint):
    """Scans from November 2030 to March 2031; on PostgreSQL, partitions from December on
    (November stays in the default partition, as a late backlog would)."""
    if connection.vendor == "postgresql":
        for month in ((2030, 12), (2031, 1), (2031, 2), (2031, 3)):
            partitioning.create_partition(partitioning.month_partition(*month))
    expired = {
        "nov": _scan(market, _at(11, 20)),
        "dec_a": _scan(market, _at(12, 10)),
        "dec_b": _scan(market, _at(12, 10, 18), admitted=False),
        "dec_c": _scan(checkpoint, _at(12, 10, 23, 59)),  # still 10 December in Shanghai
        "jan_a": _scan(market, _at(1, 20)),
        "jan_b": _scan(market, _at(1, 21)),
        "feb_edge": _scan(market, _at(2, 14, 23, 59)),  # the last expired minute
    }
    kept = {
        "feb_first": _scan(market, _at(2, 15, 0, 0)),  # the first minute kept
        "feb_late": _scan(checkpoint, _at(2, 20)),
        "mar": _scan(market, _at(3, 10)),
    }
    return expired, kept


def _exists(scan) -> bool:
    return Scan.objects.filter(scanned_at=scan.scanned_at, uuid=scan.uuid).exists()


def _counts() -> dict:
    return {
        (c.venue.name, c.day.isoformat()): (c.scans, c.refused)
        for c in ScanDayCount.objects.select_related("venue")
    }


def _purge(*args, as_of=AS_OF) -> str:
    out = io.StringIO()
    call_command("purge_expired", "--as-of", as_of, *args, stdout=out)
    return out.getvalue()


def test_scans_have_a_28_day_rule_that_the_setting_can_change(settings):
    rule = next(r for r in retention.rules() if r.key == "venues.scan")
    assert rule.period_days == 28 and rule.purger is not None
    settings.FANGKONG_RETENTION_DAYS = {"venues.scan": 60}
    assert rule.period_days == 60
    cutoff = rule.cutoff(datetime.date(2031, 3, 15))
    assert cutoff == datetime.datetime(2031, 1, 14, tzinfo=SHANGHAI)


def test_dry_run_lists_by_month_and_writes_nothing(scans):
    before = (Scan.objects.count(), AuditEntry.objects.count(), ScanDayCount.objects.count())
    text = _purge("--dry-run")
    line = next(x for x in text.splitlines() if x.startswith("venues.scan（"))
    if connection.vendor == "postgresql":
        assert "的 6 条将被删除" in line  # November (default partition), December, January
        assert "分区 venues_scan_p2030_12（2030-12）：3 条，整个分区将被删除" in text
        assert "分区 venues_scan_p2031_01（2031-01）：2 条，整个分区将被删除" in text
        assert "默认分区中 2030-11 的 1 条：移入该月分区后整体删除" in text
        # February is only half past: its expired scan waits for the whole month.
        assert "分区 venues_scan_p2031_02：1 条已过期，待整月过期后（2031-03-29 起）" in text
    else:
        assert "的 7 条将被删除" in line
        for month, n in (("2030-11", 1), ("2030-12", 3), ("2031-01", 2), ("2031-02", 1)):
            assert f"  {month}：{n} 条将被删除" in text
    assert "试运行" in text
    after = (Scan.objects.count(), AuditEntry.objects.count(), ScanDayCount.objects.count())
    assert after == before


def test_purge_removes_expired_scans_keeps_daily_counts_and_the_chain(scans):
    expired, kept = scans
    counted_at_ingest = _counts()
    _purge("--batch-size", "2")
    gone = set(expired)
    if connection.vendor == "postgresql":
        gone.discard("feb_edge")  # waits for February to pass entirely
    for key, scan in expired.items():
        assert _exists(scan) == (key not in gone), key
    assert all(_exists(s) for s in kept.values())
    # Counted when the scans came in; the purge leaves the figures as they were.
    assert (
        _counts()
        == counted_at_ingest
        == {
            ("海棠农贸市场", "2030-11-20"): (1, 0),
            ("海棠农贸市场", "2030-12-10"): (2, 1),
            ("仁和路卡点", "2030-12-10"): (1, 0),
            ("海棠农贸市场", "2031-01-20"): (1, 0),
            ("海棠农贸市场", "2031-01-21"): (1, 0),
            ("海棠农贸市场", "2031-02-14"): (1, 0),
            ("海棠农贸市场", "2031-02-15"): (1, 0),
            ("仁和路卡点", "2031-02-20"): (1, 0),
            ("海棠农贸市场", "2031-03-10"): (1, 0),
        }
    )
    entries = list(AuditEntry.objects.filter(object_type="venues.scan").order_by("id"))
    assert sum(e.changes["rows"] for e in entries) == len(gone)
    if connection.vendor == "postgresql":
        # One entry per dropped partition (November's made from the default partition first).
        assert [e.changes["dropped_partition"] for e in entries] == [
            "venues_scan_p2030_11",
            "venues_scan_p2030_12",
            "venues_scan_p2031_01",
        ]
        assert partitioning.existing_partitions() == [
            "venues_scan_default",
            "venues_scan_p2031_02",
            "venues_scan_p2031_03",
        ]
    else:
        assert [e.changes["rows"] for e in entries] == [2, 2, 2, 1]  # batches of 2
        assert entries[0].changes["months"] == {"2030-11": 1, "2030-12": 1}
    assert verify_chain().ok


def test_second_run_finds_nothing_and_counts_stay(scans):
    _purge()
    counts = _counts()
    again = _purge()
    assert "venues.scan：已删除" not in again
    rule = next(r for r in retention.rules() if r.key == "venues.scan")
    assert rule.purger.plan(rule, datetime.date.fromisoformat(AS_OF))[0] == 0
    assert _counts() == counts


def test_a_straggler_for_a_counted_day_adds_to_its_count(scans, market):
    _purge()
    # On PostgreSQL it lands in the default partition: December's partition is gone.
    _scan(market, _at(12, 10, 12), admitted=False)  # a device's late backlog
    _purge()
    assert _counts()[("海棠农贸市场", "2030-12-10")] == (3, 2)


def test_nothing_inside_the_period_is_touched(scans):
    _expired, kept = scans
    _purge(as_of="2031-02-10")  # cutoff 2031-01-13 00:00
    assert all(_exists(s) for s in kept.values())
    assert Scan.objects.filter(scanned_at__gte=_at(1, 13, 0)).count() == 6


def test_the_append_only_guard_still_refuses_every_other_delete(scans):
    expired, _kept = scans
    with pytest.raises(PermissionError):
        Scan.objects.filter(scanned_at__lt=_at(12, 1)).delete()
    old = expired["nov"]
    with pytest.raises(PermissionError):
        Scan.objects.filter(pk=(old.scanned_at, old.uuid)).first().delete()
    cutoff = datetime.datetime(2031, 2, 15, tzinfo=SHANGHAI)
    with pytest.raises(PermissionError):
        # The retention path itself refuses rows inside the period.
        Scan.objects.all().delete_expired(cutoff)
    assert _exists(old)


@pytest.mark.postgres
def test_postgres_retention_path_never_deletes_rows(scans):
    expired, _kept = scans
    cutoff = datetime.datetime(2031, 2, 15, tzinfo=SHANGHAI)
    with pytest.raises(PermissionError, match="partitions"):
        Scan.objects.filter(scanned_at__lt=cutoff).delete_expired(cutoff)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute("DELETE FROM venues_scan WHERE scanned_at < %s", [cutoff])
    assert _exists(expired["dec_a"])


def test_day_counts_are_scoped_like_their_venue(scans, users):
    _purge()
    market_days = {d for (name, d) in _counts() if name == "海棠农贸市场"}
    grid_a = ScanDayCount.objects.visible_to(users["grid_a"])
    assert {c.day.isoformat() for c in grid_a} == market_days  # the checkpoint is not in grid A
    assert not ScanDayCount.objects.visible_to(users["grid_b"]).exists()
    assert ScanDayCount.objects.visible_to(users["community"]).count() == len(_counts())

"""ScanDayCount is kept at ingest: after every kind of insert — batches with resends, repeats
and rejected records, single scans through the API and the web pages, a batch that fails
half-way, a purge — it equals the direct count of scans per venue and local day, plus what
retention removed; and ScanAreaDayCount, kept by the same writes, equals it added up per
area of the venue and day, also after venues move between areas."""

import datetime
import importlib
import random
import uuid
import zoneinfo
from collections import Counter

import pytest
from django.apps import apps as global_apps
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from fangkong.core.testing.factories import make_id_number
from fangkong.status.models import PersonStatus
from fangkong.status.tokens import make_status_token
from fangkong.venues import day_counts, services
from fangkong.venues.choices import ScanColour, ScanSource
from fangkong.venues.models import Scan, ScanAreaDayCount, ScanDayCount, Venue

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def late(now):
    """Yesterday 23:59 local time; ``early`` is 00:00 today: the same UTC evening, two local
    days."""
    day = timezone.localdate(now) - datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(23, 59), SHANGHAI)


@pytest.fixture
def early(late):
    return late + datetime.timedelta(minutes=1)


def _record(venue, when, **extra):
    return {
        "id": str(uuid.uuid4()),
        "venue": venue.code,
        "scanned_at": when.isoformat(),
        "temperature": "36.5",
    } | extra


def _stored(*, areas: bool = True) -> dict:
    """The kept counts per venue and day; with ``areas``, first checks that the counts per
    area and day are those added up from them."""
    if areas:
        assert _per_area() == _per_area_direct()
    return _summed((c.venue_id, c.day, c.scans, c.refused) for c in ScanDayCount.objects.all())


def _summed(rows) -> dict:
    """(key, day) → (scans, refused) summed over the rows a figure may be spread over
    (``shard``: single scans on PostgreSQL)."""
    out: dict = {}
    for key, day, scans, refused in rows:
        n, r = out.get((key, day), (0, 0))
        out[key, day] = (n + scans, r + refused)
    return out


def _per_area() -> dict:
    """The kept counts per area and day. A move takes a venue's counts off its old area's
    row 0, which may then hold less than nothing while single scans' rows hold the rest:
    only the sums are figures."""
    rows = ScanAreaDayCount.objects.all()
    summed = _summed((c.area_id, c.day, c.scans, c.refused) for c in rows)
    assert all(n >= 0 and r >= 0 for n, r in summed.values())
    return {k: v for k, v in summed.items() if v != (0, 0)}


def _per_area_direct() -> dict:
    out: Counter = Counter()
    for c in ScanDayCount.objects.select_related("venue"):
        out[c.venue.area_id, c.day, 0] += c.scans
        out[c.venue.area_id, c.day, 1] += c.refused
    return {(a, d): (out[a, d, 0], out[a, d, 1]) for (a, d, k) in out if k == 0 and out[a, d, 0]}


def _direct(purged: Counter | None = None) -> dict:
    """Scans per venue and local day, counted from the table (plus ``purged``)."""
    counts: Counter = Counter(purged or {})
    rows = Scan.objects.values_list("venue_id", "scanned_at", "admitted")
    for venue_id, moment, admitted in rows:
        day = moment.astimezone(SHANGHAI).date()
        counts[venue_id, day, "scans"] += 1
        counts[venue_id, day, "refused"] += not admitted
    return {
        (v, d): (counts[v, d, "scans"], counts[v, d, "refused"])
        for (v, d, kind) in counts
        if kind == "scans"
    }


def test_batches_with_resends_repeats_and_rejections_count_each_stored_scan_once(
    users, market, checkpoint, green, red, now, late, early
):
    token = make_status_token(PersonStatus.objects.get(pk=red.pk))
    visitor = make_id_number()
    batch = [
        _record(market, late, id_number=green.id_number),
        _record(market, early, token=token),  # red: refused, the next local day
        _record(checkpoint, early, id_number=visitor, name="外地访客"),
        _record(market, late, id_number="110101199003071234"),  # rejected: checksum
        _record(market, late, scanned_at="昨天", phone="13800001111"),  # rejected: time
        _record(market, early, phone="13800001111", name="送货员", admitted=False),
    ]
    batch.append(dict(batch[0]))  # the same record twice in one batch
    first = services.ingest_scans(actor=users["community"], records=batch, now=now)
    assert (first.created, first.duplicates, first.rejected) == (4, 1, 2)
    late_day, early_day = late.date(), early.date()
    expected = {
        (market.pk, late_day): (1, 0),
        (market.pk, early_day): (2, 2),
        (checkpoint.pk, early_day): (1, 1),  # an unregistered visitor is refused
    }
    assert _stored() == expected == _direct()
    # The device resends the batch with two new records: only those two are counted.
    more = [
        _record(market, late, id_number=green.id_number),
        _record(checkpoint, late, token=token),
    ]
    again = services.ingest_scans(actor=users["community"], records=batch + more, now=now)
    assert (again.created, again.duplicates, again.rejected) == (2, 5, 2)
    expected[market.pk, late_day] = (2, 0)
    expected[checkpoint.pk, late_day] = (1, 1)
    assert _stored() == expected == _direct()


def test_a_large_batch_and_its_overlapping_resend_count_exactly(users, market, green, now, late):
    # Above INSERT_CHUNK (several statements on SQLite) and COPY_FROM_ROWS (COPY on PostgreSQL).
    size = services.INSERT_CHUNK + 30
    batch = [
        _record(
            market,
            late + datetime.timedelta(seconds=i),
            **({"id_number": green.id_number} if i % 3 else {"phone": f"139{i:08d}", "name": "访"}),
        )
        for i in range(size)
    ]
    services.ingest_scans(actor=users["community"], records=batch[:200], now=now)
    services.ingest_scans(actor=users["community"], records=batch[100:], now=now)
    services.ingest_scans(actor=users["community"], records=batch, now=now)
    assert Scan.objects.count() == size
    assert _stored() == _direct()
    assert sum(n for n, _r in _stored().values()) == size


def test_single_scans_through_the_api_and_the_web_pages_are_counted(
    users, market, checkpoint, green, red, late
):
    api = APIClient()
    api.force_login(users["community"])
    for _ in range(2):  # a single-scan batch, resent once after a timeout
        body = {"records": [_record(market, late, id_number=green.id_number)]}
        assert api.post("/api/v1/scans/batch/", body, format="json").status_code == 200
        assert api.post("/api/v1/scans/batch/", body, format="json").status_code == 200
    public = reverse("venues:public_scan", args=[market.code])
    form = {"name": "欧阳明月", "phone": red.phone, "temperature": "36.5", "direction": "in"}
    assert Client().post(public, form).status_code == 200
    staff = Client()
    staff.force_login(users["volunteer"])
    page = reverse("venues:checkpoint", args=[checkpoint.pk])
    record = {"action": "record", "id_number": green.id_number, "direction": "out"}
    assert staff.post(page, record).status_code in (200, 302)
    assert Scan.objects.count() == 4
    today = timezone.localdate()
    assert _stored() == _direct()
    assert _stored()[market.pk, today] == (1, 1)  # the red person, refused
    assert _stored()[checkpoint.pk, today] == (1, 0)


def test_a_batch_that_fails_after_its_insert_counts_nothing_and_its_resend_counts_once(
    users, market, green, now, late
):
    batch = [_record(market, late, id_number=green.id_number) for _ in range(60)]

    def fail_after_the_scan_insert(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if "venues_scandaycount" in sql:
            raise ConnectionError("the connection dropped")
        return result

    with pytest.raises(ConnectionError), connection.execute_wrapper(fail_after_the_scan_insert):
        services.ingest_scans(actor=users["community"], records=batch, now=now)
    assert Scan.objects.count() == 0 and _stored() == {}
    services.ingest_scans(actor=users["community"], records=batch, now=now)
    services.ingest_scans(actor=users["community"], records=batch, now=now)
    assert _stored() == _direct() == {(market.pk, late.date()): (60, 0)}


def test_purge_leaves_the_counts_which_then_hold_the_purged_scans(users, market, checkpoint):
    old = datetime.datetime(2030, 12, 10, 9, tzinfo=SHANGHAI)
    for venue, when, admitted in (
        (market, old, True),
        (market, old + datetime.timedelta(hours=14, minutes=59), False),  # 23:59 local
        (checkpoint, old, True),
        (market, old + datetime.timedelta(days=70), True),  # kept
    ):
        Scan.objects.create(
            scanned_at=when,
            venue=venue,
            colour=ScanColour.GREEN,
            admitted=admitted,
            source=ScanSource.DEVICE,
            recorded_at=timezone.now(),
        )
    before = _stored()
    assert before == _direct()
    if connection.vendor == "postgresql":
        from fangkong.venues import partitioning

        for month in ((2030, 12), (2031, 2)):
            partitioning.create_partition(partitioning.month_partition(*month))
    from django.core.management import call_command

    call_command("purge_expired", "--as-of", "2031-02-25", stdout=None)
    assert Scan.objects.count() == 1
    assert _stored() == before
    purged = Counter(
        {(market.pk, old.date(), "scans"): 2, (market.pk, old.date(), "refused"): 1}
        | {(checkpoint.pk, old.date(), "scans"): 1, (checkpoint.pk, old.date(), "refused"): 0}
    )
    assert _stored() == _direct(purged)


def test_count_scans_counts_what_a_loader_wrote(market, checkpoint, late, early):
    rows = [
        Scan(
            scanned_at=moment,
            venue=venue,
            colour=ScanColour.GREEN,
            admitted=admitted,
            source=ScanSource.DEVICE,
            recorded_at=timezone.now(),
        )
        for venue, moment, admitted in (
            (market, late, True),
            (market, early, False),
            (market, early, True),
            (checkpoint, late, True),
        )
    ]
    Scan.objects.bulk_create(rows)  # as the demo and bench loaders do: no Scan.save
    assert _stored() == {}
    with transaction.atomic():
        assert day_counts.count_scans(Scan.objects.filter(venue=market)) == 2
    assert _stored() == {(market.pk, late.date()): (1, 0), (market.pk, early.date()): (2, 1)}


def test_the_migration_adds_live_scans_to_the_purged_counts_and_back(
    market, checkpoint, late, early
):
    migration = importlib.import_module("fangkong.venues.migrations.0005_scan_day_count_at_ingest")
    Scan.objects.bulk_create(
        Scan(
            scanned_at=moment,
            venue=market,
            colour=ScanColour.GREEN,
            admitted=admitted,
            source=ScanSource.DEVICE,
            recorded_at=timezone.now(),
        )
        for moment, admitted in ((late, True), (late, False), (early, True))
    )
    # Before: only purged scans were counted (a straggler's day, ``late``'s, and an older day).
    old = datetime.date(2030, 12, 10)
    ScanDayCount.objects.create(venue=market, day=late.date(), scans=5, refused=1)
    ScanDayCount.objects.create(venue=checkpoint, day=old, scans=3, refused=0)
    before = _stored(areas=False)  # counts written around the ingest
    migration.count_live_scans(global_apps, None)
    assert _stored(areas=False) == {
        (market.pk, late.date()): (7, 2),
        (market.pk, early.date()): (1, 0),
        (checkpoint.pk, old): (3, 0),
    }
    migration.uncount_live_scans(global_apps, None)
    assert _stored(areas=False) == before


def test_area_counts_follow_venues_moved_between_areas(
    areas, users, market, checkpoint, green, now, late, early
):
    rng = random.Random(3)
    batch = [
        _record(rng.choice((market, checkpoint)), late + datetime.timedelta(minutes=i * 3))
        | {"id_number": green.id_number}
        for i in range(40)
    ]
    services.ingest_scans(actor=users["community"], records=batch, now=now)
    assert _per_area()
    staff = users["community"]
    grids = [a for a in areas.values() if a.path.startswith(staff.area.path)]
    assert len(grids) > 2
    for step in range(8):
        venue = Venue.objects.get(pk=rng.choice((market, checkpoint)).pk)
        target = rng.choice([g for g in grids if g.pk != venue.area_id])
        if step % 2:  # the service
            services.update_venue(
                actor=staff,
                venue=venue,
                data={"area": target},
                expected_version=venue.version,
            )
        else:  # a bulk update around it
            Venue.objects.filter(pk=venue.pk).update(area=target)
        more = [_record(venue, early + datetime.timedelta(minutes=step), id_number=green.id_number)]
        services.ingest_scans(actor=users["community"], records=more, now=now)
        assert _stored() == _direct()
    # Recounted from the day counts (after a load around the ingest): the same rows.
    kept = _per_area()
    day_counts.AREA_COUNTS.rebuild()
    assert _per_area() == kept


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/Havana"])
def test_tally_gives_each_scan_the_local_day_of_a_time_zone_conversion(settings, zone):
    # Havana's clocks change at midnight: 2026-03-08 has no 00:00, 2026-11-01 has two.
    settings.TIME_ZONE = zone
    tz = zoneinfo.ZoneInfo(zone)
    moments = []
    for first in (datetime.datetime(2026, 3, 6, 20), datetime.datetime(2026, 10, 30, 20)):
        start = first.replace(tzinfo=datetime.UTC)
        moments += [start + datetime.timedelta(minutes=7 * i) for i in range(900)]
    # In several offsets, on and next to local midnights, and out of order.
    minus5 = datetime.timezone(datetime.timedelta(hours=-5))
    moments += [m.astimezone(minus5) for m in moments[::7]]
    for day in (7, 8, 9):
        midnight = datetime.datetime(2026, 3, day, tzinfo=tz)
        moments += [midnight, midnight - datetime.timedelta(microseconds=1)]
    random.Random(5).shuffle(moments)
    rows = [(i % 3, m, i % 4 != 0) for i, m in enumerate(moments)]
    expected: Counter = Counter()
    refused: Counter = Counter()
    for venue_id, moment, admitted in rows:
        expected[venue_id, moment.astimezone(tz).date()] += 1
        refused[venue_id, moment.astimezone(tz).date()] += not admitted
    assert day_counts.tally(rows) == {k: (n, refused[k]) for k, n in expected.items()}

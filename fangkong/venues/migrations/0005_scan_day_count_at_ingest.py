"""ScanDayCount now counts every scan at ingest: add the scans still stored to the counts of
the purged ones (reverse: take them off again)."""

import zoneinfo

from django.conf import settings
from django.db import migrations
from django.db.models import Count, Q
from django.db.models.functions import TruncDate


def _live_counts(apps) -> dict:
    Scan = apps.get_model("venues", "Scan")
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    groups = (
        Scan.objects.annotate(day=TruncDate("scanned_at", tzinfo=tz))
        .values("venue_id", "day")
        .annotate(n=Count("uuid"), refused=Count("uuid", filter=Q(admitted=False)))
        .order_by()
        .values_list("venue_id", "day", "n", "refused")
    )
    return {(v, d): (n, r) for v, d, n, r in groups.iterator()}


def _apply(apps, sign: int) -> None:
    ScanDayCount = apps.get_model("venues", "ScanDayCount")
    live = _live_counts(apps)
    changed, new, emptied = [], [], []
    for row in ScanDayCount.objects.all().iterator():
        n, refused = live.pop((row.venue_id, row.day), (0, 0))
        if not n:
            continue
        row.scans += sign * n
        row.refused += sign * refused
        (changed if row.scans else emptied).append(row)
    if sign > 0:  # days with no purged scans yet
        new = [
            ScanDayCount(venue_id=v, day=d, scans=n, refused=r) for (v, d), (n, r) in live.items()
        ]
    ScanDayCount.objects.bulk_update(changed, ["scans", "refused"], batch_size=500)
    ScanDayCount.objects.bulk_create(new, batch_size=500)
    ScanDayCount.objects.filter(pk__in=[row.pk for row in emptied]).delete()


def count_live_scans(apps, schema_editor):
    _apply(apps, +1)


def uncount_live_scans(apps, schema_editor):
    _apply(apps, -1)


class Migration(migrations.Migration):
    dependencies = [
        ("venues", "0004_scan_covering_indexes"),
    ]

    operations = [
        migrations.RunPython(count_live_scans, uncount_live_scans, elidable=False),
    ]

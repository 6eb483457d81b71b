"""Retention of going-out approvals and scans (see ``fangkong.core.retention``; README table).

Scans are append-only, so they do not go row by row like other records:

- PostgreSQL: a monthly partition whose whole month lies before the cutoff is detached and
  dropped (rows of such a month still in the default partition are first moved into a
  partition of their own by ``partitioning.create_partition``). The oldest partition that is
  only partly expired waits until its month has passed entirely; the dry run says so.
- SQLite (one plain table): expired rows are deleted in batches through
  ``ScanQuerySet.delete_expired``, the one path past the append-only guard.

Either way ``ScanDayCount`` is left alone: it counted every scan when it was inserted
(``venues.day_counts``), so daily scan figures survive their scans.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from fangkong.core.retention import DELETE, Rule, Step, register

from . import partitioning
from .models import Scan

register(
    "venues.OutingApproval",
    date_field="ends_at",
    days=90,
    action=DELETE,
    reason="a pass matters while the person is under closed-loop management and for its review",
)

_MONTHLY = re.compile(rf"^{partitioning.TABLE}_p(\d{{4}})_(\d{{2}})$")


def _tz() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _months(qs) -> dict[str, int]:
    """Rows of ``qs`` per local month, ``{"2026-09": n}``."""
    rows = (
        qs.annotate(month=TruncMonth("scanned_at", tzinfo=_tz()))
        .values("month")
        .annotate(n=Count("uuid"))
        .order_by("month")
    )
    return {f"{r['month']:%Y-%m}": r["n"] for r in rows}


# --- PostgreSQL: whole monthly partitions -------------------------------------------------


def _monthly_partitions() -> list[partitioning.Partition]:
    out = []
    for name in partitioning.existing_partitions():
        m = _MONTHLY.match(name)
        if m:
            out.append(partitioning.month_partition(int(m[1]), int(m[2])))
    return sorted(out, key=lambda p: p.start)


def _in(part: partitioning.Partition):
    return Scan.objects.filter(scanned_at__gte=part.start, scanned_at__lt=part.end)


def _default_months(cutoff: dt.datetime) -> list[partitioning.Partition]:
    """Months with expired rows still in the default partition (stragglers)."""
    qn = connection.ops.quote_name
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT DISTINCT date_trunc('month', {qn(partitioning.PARTITION_KEY)} "  # noqa: S608
            f"AT TIME ZONE %s) FROM {qn(partitioning.DEFAULT_PARTITION)} "
            f"WHERE {qn(partitioning.PARTITION_KEY)} < %s ORDER BY 1",
            [settings.TIME_ZONE, cutoff],
        )
        return [partitioning.month_partition(m.year, m.month) for (m,) in cur.fetchall()]


def _partition_plan(cutoff: dt.datetime, days: int) -> tuple[int, list[str]]:
    total, lines = 0, []
    for part in _monthly_partitions():
        if part.start >= cutoff:
            break
        if part.end <= cutoff:
            n = _in(part).count()
            total += n
            lines.append(
                _("分区 %(p)s（%(m)s）：%(n)d 条，整个分区将被删除")
                % {"p": part.name, "m": f"{part.start:%Y-%m}", "n": n}
            )
        else:
            n = _in(part).filter(scanned_at__lt=cutoff).count()
            lines.append(
                _("分区 %(p)s：%(n)d 条已过期，待整月过期后（%(d)s 起）随分区删除")
                % {"p": part.name, "n": n, "d": _expiry_day(part, days)}
            )
    for part in _default_months(cutoff):
        n = _in(part).filter(scanned_at__lt=cutoff).count()
        if part.end <= cutoff:
            total += n
            lines.append(
                _("默认分区中 %(m)s 的 %(n)d 条：移入该月分区后整体删除")
                % {"m": f"{part.start:%Y-%m}", "n": n}
            )
        else:
            lines.append(
                _("默认分区中 %(m)s 的 %(n)d 条已过期，待整月过期后（%(d)s 起）删除")
                % {"m": f"{part.start:%Y-%m}", "n": n, "d": _expiry_day(part, days)}
            )
    return total, lines


def _expiry_day(part: partitioning.Partition, days: int) -> str:
    """The first as-of day on which the whole month is past the retention period."""
    return (part.end.date() + dt.timedelta(days=days)).isoformat()


def _drop_next_partition(cutoff: dt.datetime) -> Step | None:
    for part in _default_months(cutoff):
        if part.end <= cutoff:
            partitioning.create_partition(part)  # moves the month's stragglers out of default
            break
    expired = [p for p in _monthly_partitions() if p.end <= cutoff]
    if not expired:
        return None
    part = expired[0]
    qn = connection.ops.quote_name
    with connection.cursor() as cur:
        # No insert into this month while it is counted and dropped; two purges queue here.
        cur.execute(f"LOCK TABLE {qn(part.name)} IN SHARE ROW EXCLUSIVE MODE")
        months = _months(_in(part))
        # A table with pending deferred foreign-key checks cannot be dropped: run them now
        # (only rows written earlier in this transaction have any), then defer again.
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute(f"ALTER TABLE {qn(partitioning.TABLE)} DETACH PARTITION {qn(part.name)}")
        cur.execute(f"DROP TABLE {qn(part.name)}")
        cur.execute("SET CONSTRAINTS ALL DEFERRED")
    n = sum(months.values())
    return Step(
        n,
        {"dropped_partition": part.name, "months": months},
        summary=f"retention drop {part.name}: {n}",
    )


# --- SQLite: rows in batches --------------------------------------------------------------


def _row_plan(cutoff: dt.datetime) -> tuple[int, list[str]]:
    months = _months(Scan.objects.filter(scanned_at__lt=cutoff))
    lines = [_("%(m)s：%(n)d 条将被删除") % {"m": m, "n": n} for m, n in months.items()]
    return sum(months.values()), lines


def _delete_next_rows(cutoff: dt.datetime, batch_size: int) -> Step | None:
    keys = list(
        Scan.objects.filter(scanned_at__lt=cutoff)
        .order_by("scanned_at", "uuid")
        .values_list("scanned_at", "uuid")[:batch_size]
    )
    if not keys:
        return None
    batch = Scan.objects.filter(pk__in=keys)
    months = _months(batch)
    deleted = batch.delete_expired(cutoff)
    return Step(deleted, {"deleted": {"venues.scan": deleted}, "months": months})


class ScanPurger:
    """``core.retention.Purger`` for scans: partitions on PostgreSQL, batches on SQLite."""

    def plan(self, rule: Rule, as_of: dt.date) -> tuple[int, list[str]]:
        if partitioning.is_partitioned():
            return _partition_plan(rule.cutoff(as_of), rule.period_days)
        return _row_plan(rule.cutoff(as_of))

    def step(self, rule: Rule, as_of: dt.date, batch_size: int) -> Step | None:
        if partitioning.is_partitioned():
            return _drop_next_partition(rule.cutoff(as_of))
        return _delete_next_rows(rule.cutoff(as_of), batch_size)


SCANS = register(
    "venues.Scan",
    date_field="scanned_at",
    days=28,
    action=DELETE,
    purger=ScanPurger(),
    reason="28 days as venue health-code data practice: covers tracing's 14-day look-back twice",
)

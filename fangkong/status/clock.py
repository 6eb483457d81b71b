"""Local-time helpers: the rules speak in local dates (Asia/Shanghai), the database in UTC."""

from __future__ import annotations

import datetime
from functools import lru_cache

from django.utils import timezone


@lru_cache(maxsize=256)
def local_date(moment: datetime.datetime) -> datetime.date:
    """The local date of an aware moment (cached: the engine asks for ``now`` per rule)."""
    return timezone.localtime(moment).date()


def start_of_day(day: datetime.date) -> datetime.datetime:
    """The aware moment local ``day`` begins."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The aware moment local ``day`` ends (the next day begins): "as of the end of a day"."""
    return start_of_day(day + datetime.timedelta(days=1))


def at_local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))

"""Rules shared by the services, the forms and the roster importer (one place each)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# A shift longer than this is a typing error (a 24-hour shift is the longest in use).
MAX_SHIFT = datetime.timedelta(hours=48)


def to_minute(moment: datetime.datetime) -> datetime.datetime:
    """Rosters are kept to the minute: coverage is judged minute by minute."""
    return moment.replace(second=0, microsecond=0)


def clean_shift_times(
    start: datetime.datetime | None, end: datetime.datetime | None
) -> tuple[datetime.datetime, datetime.datetime]:
    if start is None:
        raise ValidationError({"start": _("请填写开始时间")})
    if end is None:
        raise ValidationError({"end": _("请填写结束时间")})
    start, end = to_minute(start), to_minute(end)
    if end <= start:
        raise ValidationError({"end": _("结束时间必须晚于开始时间（跨夜班次请填写次日日期）")})
    if end - start > MAX_SHIFT:
        raise ValidationError({"end": _("单个班次不能超过 48 小时")})
    return start, end


# What a roster's 班次 column means when it names a shift rather than its hours: the
# command offices' usual 12-hour day and night duty and the 24-hour duty that starts at
# 8:00. A unit with other hours writes them (8:30-17:30, 20:00-次日8:00).
NAMED_PERIODS: dict[str, tuple[datetime.time, datetime.time]] = {
    "白班": (datetime.time(8), datetime.time(20)),
    "日班": (datetime.time(8), datetime.time(20)),
    "夜班": (datetime.time(20), datetime.time(8)),
    "晚班": (datetime.time(20), datetime.time(8)),
    "全天": (datetime.time(8), datetime.time(8)),
    "全日": (datetime.time(8), datetime.time(8)),
    "24小时": (datetime.time(8), datetime.time(8)),
}


def on_day(
    day: datetime.date, start: datetime.time, end: datetime.time, *, next_day: bool = False
) -> tuple[datetime.datetime, datetime.datetime]:
    """A shift given by its date and hours; its end is on the next day when so marked
    (次日) or not after the start (夜班 20:00–8:00, a 24-hour duty 8:00–8:00)."""
    from django.utils import timezone

    first = timezone.make_aware(datetime.datetime.combine(day, start))
    last_day = day + datetime.timedelta(days=1) if next_day or end <= start else day
    return first, timezone.make_aware(datetime.datetime.combine(last_day, end))

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

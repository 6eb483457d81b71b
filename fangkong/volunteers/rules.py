"""Field rules shared by forms, the API, the importer and matching: multi-value fields
(skills, weekdays, times of day) stored as ``,a,b,`` so one LIKE finds a value on every
database, and the time slots a need covers."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.formats import joined

from .choices import Skill, TimeOfDay, Weekday

# Words people type in spreadsheets for several values at once.
DAY_GROUPS = {
    "每天": [d.value for d in Weekday],
    "全周": [d.value for d in Weekday],
    "工作日": ["1", "2", "3", "4", "5"],
    "周末": ["6", "7"],
    "双休日": ["6", "7"],
}
TIME_GROUPS = {"全天": [t.value for t in TimeOfDay], "白天": ["am", "pm"]}
_DAY_ALIASES = {"星期" + "一二三四五六日"[i]: str(i + 1) for i in range(7)} | {"周天": "7"}
_TIME_ALIASES = {"夜间": "night", "凌晨": "night", "上午": "am", "下午": "pm", "晚上": "ev"}


def split_values(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        for sep in ("，", "、", ";", "；", " ", "/"):
            value = value.replace(sep, ",")
        value = value.split(",")
    return [str(v).strip() for v in value if str(v).strip()]


def encode(
    values, choices: type[models.TextChoices], *, field: str, groups=None, aliases=None
) -> str:
    """Values or their Chinese labels (or a group word like 工作日) → ``,a,b,``."""
    by_label = {str(c.label): c.value for c in choices} | {
        str(c.label).split("(")[0]: c.value for c in choices
    }
    known = {c.value for c in choices}
    picked: list[str] = []
    for v in split_values(values):
        found = (groups or {}).get(v)
        if found is None:
            one = v if v in known else by_label.get(v) or (aliases or {}).get(v)
            if one is None:
                raise ValidationError(
                    {
                        field: _("未知的取值“%(v)s”，可用：%(all)s")
                        % {"v": v[:20], "all": joined(str(c.label) for c in choices)}
                    }
                )
            found = [one]
        picked.extend(x for x in found if x not in picked)
    order = [c.value for c in choices]
    picked.sort(key=order.index)
    return f",{','.join(picked)}," if picked else ""


def decode(stored: str | None) -> list[str]:
    return [v for v in (stored or "").split(",") if v]


def labels(stored: str | None, choices: type[models.TextChoices]) -> str:
    names = dict(choices.choices)
    return joined(str(names.get(v, v)) for v in decode(stored))


def encode_skills(values) -> str:
    return encode(values, Skill, field="skills")


def encode_days(values) -> str:
    return encode(values, Weekday, field="available_days", groups=DAY_GROUPS, aliases=_DAY_ALIASES)


def encode_times(values) -> str:
    return encode(
        values, TimeOfDay, field="available_times", groups=TIME_GROUPS, aliases=_TIME_ALIASES
    )


def time_of_day(hour: int) -> str:
    if hour < 6:
        return TimeOfDay.NIGHT
    if hour < 12:
        return TimeOfDay.MORNING
    if hour < 18:
        return TimeOfDay.AFTERNOON
    return TimeOfDay.EVENING


def need_slots(starts_at: datetime.datetime, ends_at: datetime.datetime) -> list[tuple[str, str]]:
    """The (weekday, time of day) slots, local time, that a need's period touches, in order."""
    start = timezone.localtime(starts_at)
    end = timezone.localtime(ends_at)
    slots: list[tuple[str, str]] = []
    t = start.replace(minute=0, second=0, microsecond=0)
    while t < end:
        slot = (str(t.isoweekday()), time_of_day(t.hour))
        if slot not in slots:
            slots.append(slot)
        t += datetime.timedelta(hours=1)
    return slots


def check_period(starts_at, ends_at) -> None:
    if starts_at and ends_at and ends_at <= starts_at:
        raise ValidationError({"ends_at": _("结束时间必须晚于开始时间")})


def overlaps(a_start, a_end, b_start, b_end) -> bool:
    return a_start < b_end and b_start < a_end


def unique(values: Iterable) -> list:
    return list(dict.fromkeys(values))

"""Field rules shared by forms, the API, the importer and matching: multi-value fields
(skills, weekdays, times of day) stored as ``,a,b,`` so one LIKE finds a value on every
database, and the time slots a need covers."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable

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
    "周六日": ["6", "7"],
    # Public holidays are no weekday: the weekend is the nearest a volunteer's days can say.
    "节假日": ["6", "7"],
}
TIME_GROUPS = {
    "全天": [t.value for t in TimeOfDay],
    "白天": ["am", "pm"],
    "中午": ["am", "pm"],
    "通宵": ["ev", "night"],
}
# Any day, any time: what a form's 可服务时间 often says instead of listing them.
_ANY = ("随时", "不限", "均可", "都可以", "皆可", "任意")
_DAY_NUMBERS = {c: str(i + 1) for i, c in enumerate("一二三四五六日")} | {"天": "7"}
_DAY_NUMBERS |= {str(i): str(i) for i in range(1, 8)}
_DAY_PREFIXES = ("周", "星期", "礼拜")
_DAY_ALIASES = {pre + c: n for pre in _DAY_PREFIXES for c, n in _DAY_NUMBERS.items()}
# 周一至周五, 星期一到星期五, 周1-5: the days from one to the other, both included.
_DAY_RANGE = re.compile(
    r"^(?:周|星期|礼拜)([一二三四五六日天1-7])(?:至|到|-|—|–|~|～|－)+"
    r"(?:周|星期|礼拜)?([一二三四五六日天1-7])$"
)
_TIME_ALIASES = {
    "夜间": "night",
    "凌晨": "night",
    "深夜": "night",
    "夜里": "night",
    "上午": "am",
    "早上": "am",
    "早晨": "am",
    "下午": "pm",
    "晚上": "ev",
    "晚间": "ev",
    "傍晚": "ev",
    "夜晚": "ev",
}
# Skills as volunteer lists write them (会开车, 护士) → the skill they mean.
_SKILL_ALIASES = {
    **dict.fromkeys(("医疗", "医护", "护理", "医生", "护士", "医务", "卫生"), "medical"),
    **dict.fromkeys(("开车", "会开车", "司机", "驾驶员", "有驾照", "驾照"), "driving"),
    **dict.fromkeys(("外语", "英语", "手语"), "translation"),
    **dict.fromkeys(("心理", "心理咨询", "心理咨询师", "心理辅导"), "psychological"),
    **dict.fromkeys(("消毒", "防疫消杀", "消毒消杀"), "disinfection"),
    **dict.fromkeys(("宣讲", "宣传引导", "文字宣传"), "publicity"),
    **dict.fromkeys(("录入", "电脑", "电脑操作", "数据录入", "文字录入"), "data_entry"),
    **dict.fromkeys(("秩序", "安保", "保安", "治安", "维持秩序"), "order"),
    **dict.fromkeys(("搬运", "装卸", "物资", "配送", "跑腿"), "logistics"),
}
# A cell saying there is nothing to list.
_NONE_WORDS = frozenset({"无", "暂无", "没有", "-", "—", "/"})


def split_values(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        for sep in ("，", "、", ";", "；", " ", "/", "\n", "\r", "\t", "　"):
            value = value.replace(sep, ",")
        value = value.split(",")
    return [str(v).strip() for v in value if str(v).strip()]


def _day_range(value: str) -> list[str] | None:
    m = _DAY_RANGE.match(value)
    if m is None:
        return None
    first, last = int(_DAY_NUMBERS[m[1]]), int(_DAY_NUMBERS[m[2]])
    if last < first:  # 周六至周一: across the weekend
        last += 7
    return [str((d - 1) % 7 + 1) for d in range(first, last + 1)]


def _hours(value: str) -> list[str] | None:
    """Hours such as 8:00-12:00, 20:00至次日8:00 or a 白班/夜班 (read as the duty roster
    reads a 班次) → the times of day they touch."""
    from fangkong.duty.importers import parse_period

    try:
        start, end, _next_day = parse_period(value)
    except ValidationError:
        return None
    first = datetime.datetime.combine(datetime.date.min, start)
    last = datetime.datetime.combine(datetime.date.min, end)
    if last <= first:
        last += datetime.timedelta(days=1)
    found: list[str] = []
    t = first.replace(minute=0)
    while t < last:
        found.append(time_of_day(t.hour))
        t += datetime.timedelta(hours=1)
    return unique(found)


def encode(
    values,
    choices: type[models.TextChoices],
    *,
    field: str,
    groups=None,
    aliases=None,
    parse: Callable[[str], list[str] | None] | None = None,
) -> str:
    """Values or their Chinese labels, a group word like 工作日, an alias or what ``parse``
    reads (a range such as 周一至周五) → ``,a,b,``."""
    by_label = {str(c.label): c.value for c in choices} | {
        str(c.label).split("(")[0]: c.value for c in choices
    }
    known = {c.value for c in choices}
    picked: list[str] = []
    for v in split_values(values):
        v = v.replace("（", "(").replace("）", ")")
        if v in _NONE_WORDS:
            continue
        found = [c.value for c in choices] if v in _ANY else (groups or {}).get(v)
        if found is None and parse is not None:
            found = parse(v)
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
    return encode(values, Skill, field="skills", aliases=_SKILL_ALIASES)


def encode_days(values) -> str:
    return encode(
        values,
        Weekday,
        field="available_days",
        groups=DAY_GROUPS,
        aliases=_DAY_ALIASES,
        parse=_day_range,
    )


def encode_times(values) -> str:
    return encode(
        values,
        TimeOfDay,
        field="available_times",
        groups=TIME_GROUPS,
        aliases=_TIME_ALIASES,
        parse=_hours,
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

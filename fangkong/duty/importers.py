"""Importing a duty roster (值班表导入) from the spreadsheet a unit already keeps.

One row per shift: unit (name or code, inside the import's area; blank = the import's area),
person (account or full name of a staff member the importer can see), role, and when: a start
and an end, or — as most rosters are kept — the date and its 班次 (白班, 夜班, 全天, or the
hours, 8:30-17:30), or the date with the start and end as times of day.
A shift is identified by unit, person and start, so importing the same roster again changes
nothing and a corrected end time updates the shift. A row naming the person scheduled on a
shift a colleague now covers (替班) is that shift: the cover stays, and the result says so.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as N_

from fangkong.areas.choices import AreaLevel
from fangkong.core.importing import Column, Importer, PendingRow, register
from fangkong.core.importing import parsers as p

from .choices import DutyRole
from .models import Shift
from .rules import NAMED_PERIODS, clean_shift_times, on_day


def _staff_index(ctx) -> dict[str, list[int]]:
    """``{account or full name: [user pk]}`` of the staff the import may name, read once."""
    index = ctx.cache.get("staff")
    if index is None:
        from django.contrib.auth import get_user_model

        User = get_user_model()
        qs = User.objects.filter(is_active=True)
        qs = qs.in_area(ctx.area) if ctx.actor is None else qs.visible_to(ctx.actor)
        index = {}
        for pk, username, full_name in qs.values_list("pk", "username", "full_name"):
            index.setdefault(username, []).append(pk)
            if full_name and full_name != username:
                index.setdefault(full_name, []).append(pk)
        ctx.cache["staff"] = index
    return index


def _covered_index(ctx) -> dict[tuple[Any, int, datetime.datetime], int]:
    """``{(unit, scheduled person, start): person covering}`` of the covered shifts in the
    import's area, read once (few: most shifts are held as scheduled)."""
    index = ctx.cache.get("covered")
    if index is None:
        rows = (
            Shift.objects.in_area(ctx.area)
            .filter(covered_for__isnull=False)
            .values_list("area_id", "covered_for_id", "start", "person_id")
        )
        index = {(area, scheduled, start): person for area, scheduled, start, person in rows}
        ctx.cache["covered"] = index
    return index


# Marks a row that named the scheduled person of a covered shift (reported after its batch).
_KEPT_COVER = "_kept_cover"


def parse_person(value, ctx) -> int:
    key = p.cell_text(value)
    hits = sorted(set(_staff_index(ctx).get(key, [])))
    if not hits:
        raise ValidationError(_("未找到值班人员“%(v)s”，请填写其账号或姓名") % {"v": key[:30]})
    if len(hits) > 1:
        raise ValidationError(_("姓名“%(v)s”对应多个账号，请改填账号") % {"v": key[:30]})
    return hits[0]


# 8:30-17:30, 20:00至次日8:00, 8时—20时, 8-20: two times of day and what joins them.
_HOURS = re.compile(
    r"(\d{1,2}(?::\d{1,2}|[时點点](?:半|\d{1,2}分?)?)?)\s*(?:-|—|–|~|至|到)+\s*"
    r"(次日|翌日)?\s*(\d{1,2}(?::\d{1,2}|[时點点](?:半|\d{1,2}分?)?)?)"
)


_TIME_SHAPED = re.compile(r"^\d{1,2}\s*[:时點点]")


def _time_token(token: str) -> datetime.time:
    return p.parse_time_of_day(token + ":00" if token.isdigit() else token)


def parse_period(value, ctx=None) -> tuple[datetime.time, datetime.time, bool]:
    """A 班次: a named shift (白班, 夜班, 全天; ``NAMED_PERIODS``) or its hours, also after
    a name (白班 8:30-17:30); ``(start, end, ends the next day)``."""
    text = p.cell_text(value).replace(" ", "")
    named = NAMED_PERIODS.get(text)
    if named:
        return named[0], named[1], False
    m = _HOURS.search(text)
    if m:
        try:
            return _time_token(m[1]), _time_token(m[3]), bool(m[2])
        except ValidationError:
            pass
    for name, (start, end) in NAMED_PERIODS.items():
        if text.startswith(name):
            return start, end, False
    raise ValidationError(
        _("班次“%(v)s”无法识别，请填写白班、夜班、全天或时段（如 8:30-17:30）") % {"v": text[:20]}
    )


def parse_moment(value, ctx=None) -> datetime.datetime | datetime.time:
    """A start or end: a date and time, or a time of day alone (the row's 值班日期 gives the
    date)."""
    try:
        return p.parse_datetime(value, ctx)
    except ValidationError:
        if not isinstance(value, datetime.time | float) and not _TIME_SHAPED.match(str(value)):
            raise  # neither: the message asks for a date and time
    return p.parse_time_of_day(value, ctx)


def shift_times(values: dict[str, Any]) -> tuple[datetime.datetime, datetime.datetime]:
    """A row's start and end from whichever of its columns were filled (checked by
    ``clean_shift_times``); ``ValidationError`` naming the column to fill."""
    start, end = values.get("start"), values.get("end")
    if isinstance(start, datetime.datetime) and isinstance(end, datetime.datetime):
        return clean_shift_times(start, end)
    period = values.get("period")
    if period is None and (start is None or end is None):
        raise ValidationError(
            {
                "start" if start is None else "end": _(
                    "请填写开始和结束时间，或填写值班日期和班次（如 白班、夜班、8:30-17:30）"
                )
            }
        )
    day = start.date() if isinstance(start, datetime.datetime) else values.get("date")
    if day is None:
        raise ValidationError({"date": _("只填写了时刻，请填写值班日期")})
    # A time of day given in 开始/结束时间 overrides the 班次's.
    first, last, next_day = period or (None, None, False)
    if start is not None:
        first, next_day = (start.time() if isinstance(start, datetime.datetime) else start), False
    if isinstance(end, datetime.datetime):
        return clean_shift_times(on_day(day, first, first)[0], end)
    if end is not None:
        last, next_day = end, False
    return clean_shift_times(*on_day(day, first, last, next_day=next_day))


@register
class ShiftImporter(Importer):
    """值班表: one row per shift."""

    key = "duty.shift"
    model = Shift
    label = gettext_lazy("值班表")
    permission = "duty.import_shift"
    natural_key = ("area", "person", "start")
    key_column = "start"
    columns = (
        Column(
            "area",
            N_("值班单位"),
            ("单位", "值班部门", "部门", "社区", "街道"),
            p.area_lookup(
                (
                    AreaLevel.CITY,
                    AreaLevel.DISTRICT,
                    AreaLevel.STREET,
                    AreaLevel.COMMUNITY,
                    AreaLevel.GRID,
                ),
                label=N_("单位"),
            ),
            help=N_("单位名称或区划代码；不填则为导入时选择的单位"),
            example="老街社区",
        ),
        Column(
            "person",
            N_("值班人员"),
            ("值班人", "姓名", "人员", "账号", "值班员"),
            parse_person,
            required=True,
            help=N_("系统账号或姓名（重名时填写账号）"),
            example="zhangsan",
        ),
        Column(
            "role",
            N_("值班角色"),
            ("角色", "岗位", "职务"),
            p.choice(DutyRole, extra={"带班": DutyRole.LEADER, "值班": DutyRole.OFFICER}),
            help=N_("带班领导或值班员，不填为值班员"),
            example="值班员",
        ),
        Column(
            "date",
            N_("值班日期"),
            ("日期", "值班时间"),
            p.parse_date,
            help=N_("与班次一起填写，可不填开始、结束时间"),
            example="2020-02-14",
        ),
        Column(
            "period",
            N_("班次"),
            ("班别", "时段", "值班时段"),
            parse_period,
            help=N_(
                "白班 8:00-20:00、夜班 20:00-次日8:00、全天 8:00-次日8:00，或填写时段如 8:30-17:30"
            ),
            example="白班",
        ),
        Column(
            "start",
            N_("开始时间"),
            ("上班时间", "接班时间", "起始时间", "开始"),
            parse_moment,
            help=N_("如 2020-02-14 08:00；填写了值班日期时可只填时刻，如 8:00"),
            example="2020-02-14 08:00",
        ),
        Column(
            "end",
            N_("结束时间"),
            ("下班时间", "交班时间", "截止时间", "结束"),
            parse_moment,
            help=N_("跨夜班次填写次日时间，如 2020-02-15 08:00"),
            example="2020-02-14 20:00",
        ),
        Column(
            "phone",
            N_("值班电话"),
            ("电话", "联系电话", "手机", "手机号"),
            p.parse_phone,
            example="0812-3335678",
        ),
        Column("note", N_("备注"), ("说明",), p.text(200)),
    )

    def key_fields(self, values: dict[str, Any]) -> dict[str, Any] | None:
        if "person" not in values:
            return None
        try:
            start, _end = shift_times(values)
        except ValidationError:
            return None  # ``build`` reports it
        return {
            "area": values.get("area", self.ctx.area.pk),
            "person": self._holder(values, start),
            "start": start,
        }

    def _holder(self, values: dict[str, Any], start: datetime.datetime) -> int:
        """Who holds the row's shift: for a shift covered since the roster was posted, the
        colleague covering it. Re-uploading the month's roster must neither put the
        scheduled person back on duty nor add them a second shift beside the cover."""
        area = values.get("area", self.ctx.area.pk)
        cover = _covered_index(self.ctx).get((area, values["person"], start))
        if cover is None:
            return values["person"]
        values[_KEPT_COVER] = True
        return cover

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        start, end = shift_times(values)
        return {
            "area": values.get("area", self.ctx.area.pk),
            "person": self._holder(values, start),
            "role": values.get("role", DutyRole.OFFICER),
            "start": start,
            "end": end,
            "phone": values.get("phone", ""),
            "note": values.get("note", ""),
        }

    def after_batch(self, rows: list[PendingRow]) -> None:
        for r in rows:
            if r.values.get(_KEPT_COVER):
                self.ctx.warnings.append(
                    _("第 %(n)d 行：该班次已由他人替班，仍由替班人员值班，未恢复原排班人员")
                    % {"n": r.row}
                )

    @classmethod
    def upload_url(cls, options: dict[str, Any]) -> str:
        from django.urls import reverse

        return reverse("duty:shift_import")

    def object_repr(self, fields: dict[str, Any]) -> str:
        return f"{fields['start']:%Y-%m-%d %H:%M}"

"""Importing a duty roster (值班表导入) from the spreadsheet a unit already keeps.

One row per shift: unit (name or code, inside the import's area; blank = the import's area),
person (account or full name of a staff member the importer can see), role, start and end.
A shift is identified by unit, person and start, so importing the same roster again changes
nothing and a corrected end time updates the shift.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as N_

from fangkong.areas.choices import AreaLevel
from fangkong.core.importing import Column, Importer, register
from fangkong.core.importing import parsers as p

from .choices import DutyRole
from .models import Shift
from .rules import clean_shift_times


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


def parse_person(value, ctx) -> int:
    key = p.cell_text(value)
    hits = sorted(set(_staff_index(ctx).get(key, [])))
    if not hits:
        raise ValidationError(_("未找到值班人员“%(v)s”，请填写其账号或姓名") % {"v": key[:30]})
    if len(hits) > 1:
        raise ValidationError(_("姓名“%(v)s”对应多个账号，请改填账号") % {"v": key[:30]})
    return hits[0]


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
            "start",
            N_("开始时间"),
            ("上班时间", "接班时间", "起始时间", "开始"),
            p.parse_datetime,
            required=True,
            help=N_("如 2020-02-14 08:00"),
            example="2020-02-14 08:00",
        ),
        Column(
            "end",
            N_("结束时间"),
            ("下班时间", "交班时间", "截止时间", "结束"),
            p.parse_datetime,
            required=True,
            help=N_("跨夜班次填写次日时间，如 2020-02-15 08:00"),
            example="2020-02-14 20:00",
        ),
        Column("note", N_("备注"), ("说明",), p.text(200)),
    )

    def key_fields(self, values: dict[str, Any]) -> dict[str, Any] | None:
        if "person" not in values or "start" not in values:
            return None
        start = values["start"].replace(second=0, microsecond=0)
        return {
            "area": values.get("area", self.ctx.area.pk),
            "person": values["person"],
            "start": start,
        }

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        start, end = clean_shift_times(values.get("start"), values.get("end"))
        return {
            "area": values.get("area", self.ctx.area.pk),
            "person": values["person"],
            "role": values.get("role", DutyRole.OFFICER),
            "start": start,
            "end": end,
            "note": values.get("note", ""),
        }

    @classmethod
    def upload_url(cls, options: dict[str, Any]) -> str:
        from django.urls import reverse

        return reverse("duty:shift_import")

    def object_repr(self, fields: dict[str, Any]) -> str:
        return f"{fields['start']:%Y-%m-%d %H:%M}"

"""Importing volunteer lists kept in Excel (志愿者名单导入): matched by ID number, so
re-importing a list updates it instead of registering anyone twice."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as N_

from fangkong.areas.choices import AreaLevel
from fangkong.core.importing import Column, Importer, PendingRow, register
from fangkong.core.importing import parsers as p
from fangkong.core.personal import index_value, mask_name
from fangkong.core.services import lock_named
from fangkong.registry.importers import ResidentImporter

from .choices import HealthState, PoolState, Source
from .models import Volunteer
from .rules import encode_days, encode_skills, encode_times
from .services import REGISTERING


class _DefaultState(str):
    """The state a new row gets when the file names none; an existing row keeps its own."""


YES_NO = {"是": True, "否": False, "党员": True, "中共党员": True, "y": True, "n": False}
YES_NO |= dict.fromkeys("√✓✔", True) | dict.fromkeys("×✗✘", False)  # ticked on a form


def _encoded(encoder):
    def parse(value, ctx=None) -> str:
        try:
            return encoder(p.cell_text(value))
        except ValidationError as e:
            raise ValidationError(next(iter(e.message_dict.values()))[0]) from None

    return parse


def parse_yes_no(value, ctx=None) -> bool:
    key = p.cell_text(value).replace(" ", "").lower()
    if key not in YES_NO:
        raise ValidationError(_("请填写“是”或“否”"))
    return YES_NO[key]


@register
class VolunteerImporter(Importer):
    """志愿者: one row per person; a new row enters the reserve pool (储备) by default."""

    key = "volunteers.volunteer"
    model = Volunteer
    label = gettext_lazy("志愿者")
    permission = "volunteers.import_volunteer"
    natural_key = ("id_number_index",)
    key_column = "id_number"
    columns = (
        Column(
            "name", N_("姓名"), ("志愿者姓名",), p.person_name(50), required=True, example="张三"
        ),
        # The same ID and phone columns as the resident list, so one spreadsheet fits both.
        ResidentImporter.column("id_number"),
        replace(ResidentImporter.column("phone"), required=True),
        Column(
            "community",
            N_("所属社区"),
            ("社区", "报到社区", "居住社区", "社区名称"),
            p.area_lookup([AreaLevel.COMMUNITY, AreaLevel.GRID], label=gettext_lazy("社区")),
            help=N_("社区或网格的名称或编码；不填则登记到导入时选择的社区"),
            example="老街社区",
        ),
        Column("organisation", N_("工作单位"), ("单位", "所在单位"), p.text(100)),
        Column("is_party_member", N_("中共党员"), ("是否党员", "党员"), parse_yes_no, example="是"),
        Column("health", N_("健康状况"), ("身体状况",), p.choice(HealthState), example="健康"),
        Column(
            "skills",
            N_("技能特长"),
            ("技能", "特长", "专业技能"),
            _encoded(encode_skills),
            help=N_("多个用顿号分隔，如：医疗护理、驾驶"),
            example="医疗护理、驾驶",
        ),
        Column(
            "available_days",
            N_("可服务日"),
            ("服务日期", "可服务日期"),
            _encoded(encode_days),
            help=N_("如：周一、周三；周一至周五；工作日；周末；每天"),
            example="工作日",
        ),
        Column(
            "available_times",
            N_("可服务时段"),
            ("服务时段", "时段"),
            _encoded(encode_times),
            help=N_("上午、下午、晚上、夜间、全天，或时段如 8:00-12:00"),
            example="上午、下午",
        ),
        Column("state", N_("状态"), (), p.choice(PoolState), help=N_("不填为储备")),
        Column("notes", N_("备注"), (), p.text()),
    )

    def begin(self) -> None:
        lock_named(REGISTERING)  # as the form and the sign-up: a phone checked is still free

    def prepare_batch(self, rows: list[PendingRow]) -> None:
        """One volunteer per phone, as the form: refuse a phone another volunteer has, in
        the database or on an earlier row. A volunteer already sharing a phone (a list
        imported before this rule) keeps it on re-import."""
        # The file's phones so far: blind index → (the volunteer's ID index, row number).
        phones: dict[str, tuple[str, int]] = self.ctx.cache.setdefault("phones", {})
        phone_of = {
            id(r): index_value(r.fields["phone"], kind="phone", purpose="vol-phone") for r in rows
        }
        holders: dict[str, set[str]] = {}
        for phone, ident in Volunteer.objects.filter(
            phone_index__in=set(phone_of.values())
        ).values_list("phone_index", "id_number_index"):
            holders.setdefault(phone, set()).add(ident)
        for r in rows:
            phone, ident = phone_of[id(r)], r.key[0]
            holding = holders.get(phone, set())
            if ident in holding:
                continue  # the volunteer's own phone, shared or not
            if holding:
                r.reject("phone", _("该手机号已登记为志愿者，请勿重复录入"))
            elif (earlier := phones.setdefault(phone, (ident, r.row)))[0] != ident:
                message = _("与第 %(n)d 行相同：一个手机号只能登记一名志愿者")
                r.reject("phone", message % {"n": earlier[1]})

    def key_fields(self, values: dict[str, Any]) -> dict[str, Any] | None:
        ident = values.get("id_number")
        return {"id_number": ident[0]} if ident else None

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        area = values.get("community")
        if area is None:
            if self.ctx.area.level < AreaLevel.COMMUNITY:
                raise ValidationError({"community": _("未填写所属社区")})
            area = self.ctx.area.pk
        fields = {
            "area": area,
            "name": values["name"],
            "id_number": values["id_number"][0],
            "phone": values["phone"],
        }
        for key in (
            "organisation",
            "is_party_member",
            "health",
            "skills",
            "available_days",
            "available_times",
            "notes",
        ):
            if key in values:
                fields[key] = values[key]
        fields["state"] = values.get("state") or _DefaultState(PoolState.RESERVE)
        fields["source"] = Source.IMPORT
        return fields

    def merge(self, old: dict[str, Any], fields: dict[str, Any]) -> None:
        """Re-importing keeps the pool state a community already decided, unless given."""
        if isinstance(fields["state"], _DefaultState):
            fields["state"] = old["state"]
        fields["source"] = old["source"]

    @classmethod
    def upload_url(cls, options: dict[str, Any]) -> str:
        from django.urls import reverse

        return reverse("volunteers:volunteer_import")

    def object_repr(self, fields: dict[str, Any]) -> str:
        return mask_name(fields["name"])

    def foreign_row_message(self) -> str:
        return _("该身份证号已在其他辖区登记为志愿者，无法在此导入")

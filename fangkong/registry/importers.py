"""Importing residents from the lists grid workers keep in Excel (居民信息导入)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as N_

from fangkong.areas.choices import AreaLevel
from fangkong.core.importing import (
    Column,
    Importer,
    PendingRow,
    create_records,
    id_number_column,
    phone_column,
    register,
)
from fangkong.core.importing import parsers as p
from fangkong.core.personal import mask_name

from .choices import ResidentCategory
from .models import Household, Resident
from .rules import clean_arrival_date, clean_identity, encode_tags


def parse_tags(value, ctx=None) -> str:
    try:
        return encode_tags(p.cell_text(value))
    except ValidationError as e:
        raise ValidationError(e.messages[0]) from None


@register
class ResidentImporter(Importer):
    """居民: one row per person; matched by ID number, so re-importing a list updates it."""

    key = "registry.resident"
    model = Resident
    label = gettext_lazy("居民")
    permission = "registry.import_resident"
    natural_key = ("id_number_index",)
    key_column = "id_number"
    kept_values = ("household",)  # what ``prepare_batch`` reads
    columns = (
        Column("name", N_("姓名"), ("居民姓名",), p.person_name(50), required=True, example="张三"),
        id_number_column(),
        phone_column(),
        Column(
            "address",
            N_("现住址"),
            ("居住地址", "住址", "家庭住址", "现居住地址", "地址"),
            p.text(),
            example="海棠花语小区1栋1单元101",
        ),
        Column(
            "grid",
            N_("网格"),
            ("所属网格", "网格名称", "网格编码"),
            p.area_lookup([AreaLevel.GRID], label=gettext_lazy("网格")),
            help=N_("网格名称或编码；不填则登记到导入时选择的网格"),
            example="第1网格",
        ),
        Column("gender", N_("性别"), (), p.parse_gender, help=N_("男或女；须与身份证号一致")),
        Column(
            "birth_date",
            N_("出生日期"),
            (),
            p.parse_date,
            help=N_("须与身份证号一致"),
            example="1990-01-01",
        ),
        Column(
            "category",
            N_("人员类别"),
            ("类别", "人员类型"),
            p.choice(ResidentCategory),
            help=N_("常住、流入、返乡、暂住或外出；不填为常住"),
            example="返乡",
        ),
        Column(
            "origin",
            N_("来源地"),
            ("从何地返回", "返回地", "来自", "从何地来"),
            p.text(100),
            example="湖北省武汉市",
        ),
        Column(
            "arrival_date",
            N_("抵达日期"),
            ("返回日期", "到达日期", "返乡日期", "抵达时间", "返回时间"),
            p.parse_date,
            help=N_("如 2020-02-14、2020/2/14、2020年2月14日"),
            example="2020-02-14",
        ),
        Column(
            "tags",
            N_("标签"),
            (),
            parse_tags,
            help=N_("多个标签用逗号或顿号分隔，如：党员、老人"),
            example="党员、老人",
        ),
        Column(
            "household",
            N_("户编号"),
            ("户号",),
            p.text(64),
            help=N_("同一网格内户编号相同的居民归为一户；该户不存在时自动建立"),
            example="1-1-101",
        ),
        Column("notes", N_("备注"), (), p.text()),
    )

    def key_fields(self, values: dict[str, Any]) -> dict[str, Any] | None:
        ident = values.get("id_number")
        return {"id_number": ident[0]} if ident else None

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        number, birth, gender = values["id_number"]
        area = values.get("grid")
        if area is None:
            if self.ctx.area.level != AreaLevel.GRID:
                raise ValidationError({"grid": _("未填写网格")})
            area = self.ctx.area.pk
        fields = {
            "area": area,
            "name": values["name"],
            "id_number": number,
            "gender": gender,
            "birth_date": birth,
        }
        for key in ("phone", "address", "category", "origin", "arrival_date", "tags", "notes"):
            if key in values:
                fields[key] = values[key]
        return fields

    def check(self, fields: dict[str, Any], values: dict[str, Any]) -> None:
        # The ID column already validated the number; ``clean_identity`` (which would
        # validate it again) is asked only when an entered gender or birth date disagrees.
        gender, birth = values.get("gender"), values.get("birth_date")
        if (gender and gender != fields["gender"]) or (birth and birth != fields["birth_date"]):
            clean_identity(fields["id_number"], gender, birth)
        # Only this date column is bounded: a future birth date already disagrees with the
        # ID number, and no other importer reads plain dates (rosters plan future shifts).
        today = self.ctx.today or timezone.localdate()
        clean_arrival_date(fields.get("arrival_date"), fields["birth_date"], today)

    def prepare_batch(self, rows: list[PendingRow]) -> None:
        """Link rows to the households their 户编号 names, creating missing ones."""
        wanted = {
            (r.fields["area"], r.values["household"]) for r in rows if "household" in r.values
        }
        if not wanted:
            return
        cache: dict[tuple[int, str], int] = self.ctx.cache.setdefault("households", {})
        if len(cache) > 50_000:
            cache.clear()
        missing = wanted - cache.keys()
        if missing:
            found = Household.objects.filter(
                area_id__in={a for a, _n in missing}, number__in={n for _a, n in missing}
            ).values_list("area_id", "number", "pk")
            for area_id, number, pk in found:
                cache[(area_id, number)] = pk
            new = {}
            for r in rows:
                k = (r.fields["area"], r.values.get("household"))
                if k in missing and k not in cache and k not in new:
                    new[k] = {"area": k[0], "number": k[1], "address": r.fields.get("address")}
            if new:
                pks = create_records(
                    self.ctx, Household, list(new.values()), key=("area", "number")
                )
                cache.update(pks)
                self.ctx.count("households_created", len(new))
        for r in rows:
            number = r.values.get("household")
            if number is not None:
                r.fields["household"] = cache[(r.fields["area"], number)]

    def merge(self, old: dict[str, Any], fields: dict[str, Any]) -> None:
        """A resident moving to another grid leaves a household of the old grid."""
        if fields["area"] != old["area"] and "household" not in fields and old["household"]:
            fields["household"] = None

    def after_commit(self, result) -> None:
        # Imported people need their derived status; at a million rows that takes minutes,
        # so it runs in the background worker rather than inside the import.
        from django.db import transaction

        from fangkong.status.tasks import recompute_area_status

        area_id, cause = self.ctx.area.pk, str(_("批量导入居民"))
        transaction.on_commit(lambda: recompute_area_status.enqueue(area_id, cause))

    @classmethod
    def upload_url(cls, options: dict[str, Any]) -> str:
        from django.urls import reverse

        return reverse("registry:resident_import")

    def object_repr(self, fields: dict[str, Any]) -> str:
        return mask_name(fields["name"])

    def foreign_row_message(self) -> str:
        return _("该身份证号已在其他辖区登记，无法在此导入，请联系上级部门处理")

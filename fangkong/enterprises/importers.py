"""Importing enterprises (企业名录) and employee rosters (职工花名册) from Excel."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as N_

from fangkong.core.importing import Column, Importer, id_number_column, phone_column, register
from fangkong.core.importing import parsers as p
from fangkong.core.personal import mask_name

from .choices import Sector
from .models import Employee, Enterprise, IndustrialPark
from .rules import ENTERPRISE_LEVELS


def parse_credit_code(value, ctx=None) -> str:
    from fangkong.core.validators import validate_credit_code

    return validate_credit_code(p.cell_text(value))


@register
class EnterpriseImporter(Importer):
    """企业: one row per enterprise, matched by credit code, so re-importing updates it."""

    key = "enterprises.enterprise"
    model = Enterprise
    label = gettext_lazy("企业")
    permission = "enterprises.import_enterprise"
    natural_key = ("credit_code",)
    key_column = "credit_code"
    columns = (
        Column(
            "name",
            N_("企业名称"),
            ("名称", "单位名称", "企业"),
            p.text(100),
            required=True,
            example="金华车辆有限公司",
        ),
        Column(
            "credit_code",
            N_("统一社会信用代码"),
            ("信用代码", "社会信用代码", "统一代码"),
            parse_credit_code,
            required=True,
            help=N_("18 位统一社会信用代码"),
            example="91510411MA6C7A2B3H",
            as_text=True,
        ),
        Column(
            "sector",
            N_("行业"),
            ("所属行业", "行业类别"),
            p.choice(Sector),
            required=True,
            help=N_("制造业、建筑业、交通物流、批发零售等"),
            example="制造业",
        ),
        Column(
            "area",
            N_("所属区域"),
            ("所属社区", "社区", "网格", "所属网格"),
            p.area_lookup(ENTERPRISE_LEVELS, label=gettext_lazy("社区或网格")),
            help=N_("社区（村）或网格的名称或编码；不填则登记到导入时选择的区域"),
            example="老街社区",
        ),
        Column("park", N_("所在园区"), ("园区",), p.text(100), help=N_("须为已登记的园区")),
        Column(
            "headcount",
            N_("职工人数"),
            ("员工人数", "职工数", "人数"),
            p.whole_number(0, 1_000_000, units=("人",)),
            example="120",
        ),
        Column(
            "contact_name", N_("联系人"), ("负责人", "防疫联系人"), p.text(50), example="刘红梅"
        ),
        Column(
            "contact_phone",
            N_("联系电话"),
            ("电话", "手机", "联系方式"),
            p.parse_phone,
            example="13800001234",
            as_text=True,
        ),
        Column("address", N_("地址"), ("企业地址", "经营地址"), p.text(200)),
        Column("notes", N_("备注"), (), p.text()),
    )

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        area = values.get("area")
        if area is None:
            if self.ctx.area.level not in ENTERPRISE_LEVELS:
                raise ValidationError({"area": _("未填写所属区域")})
            area = self.ctx.area.pk
        fields = {"area": area, "name": values["name"], "credit_code": values["credit_code"]}
        for key in ("sector", "headcount", "contact_name", "contact_phone", "address", "notes"):
            if key in values:
                fields[key] = values[key]
        if "park" in values:
            fields["park"] = self._park(values["park"])
        return fields

    def _park(self, name: str) -> int:
        parks: dict[str, int] = self.ctx.cache.get("parks")
        if parks is None:
            parks = self.ctx.cache["parks"] = dict(
                IndustrialPark.objects.in_area(self.ctx.area).values_list("name", "pk")
            )
        if name not in parks:
            raise ValidationError({"park": _("园区“%(name)s”未登记") % {"name": name}})
        return parks[name]

    @classmethod
    def upload_url(cls, options: dict[str, Any]) -> str:
        from django.urls import reverse

        return reverse("enterprises:enterprise_import")

    def object_repr(self, fields: dict[str, Any]) -> str:
        return fields["name"]

    def foreign_row_message(self) -> str:
        return _("该统一社会信用代码已在其他辖区登记，无法在此导入")


@register
class EmployeeImporter(Importer):
    """企业职工: one enterprise's roster, matched by ID number within the enterprise."""

    key = "enterprises.employee"
    model = Employee
    label = gettext_lazy("企业职工")
    permission = "enterprises.import_employee"
    natural_key = ("id_number_index", "enterprise")
    key_column = "id_number"
    columns = (
        Column(
            "name",
            N_("姓名"),
            ("职工姓名", "员工姓名"),
            p.person_name(50),
            required=True,
            example="张三",
        ),
        id_number_column(),
        phone_column(),
        Column(
            "department",
            N_("部门/岗位"),
            ("部门", "岗位", "车间", "班组"),
            p.text(50),
            example="总装车间",
        ),
        Column(
            "returning_from",
            N_("从何地返回"),
            ("返回地", "来源地", "从何地来", "返程出发地"),
            p.text(100),
            example="湖北省武汉市",
        ),
        Column("notes", N_("备注"), (), p.text()),
    )

    def enterprise(self) -> tuple[int, int]:
        """``(pk, area pk)`` of the enterprise the roster belongs to, checked once per run."""
        hit = self.ctx.cache.get("enterprise")
        if hit is None:
            qs = Enterprise.objects.filter(pk=self.ctx.options.get("enterprise_id"))
            if not self.ctx.system:
                qs = qs.visible_to(self.ctx.actor)
            hit = qs.values_list("pk", "area_id").first() or (None, None)
            self.ctx.cache["enterprise"] = hit
        if hit[0] is None:
            raise ValidationError({"name": _("该企业不在您的管辖范围内")})
        return hit

    def key_fields(self, values: dict[str, Any]) -> dict[str, Any] | None:
        ident = values.get("id_number")
        if not ident:
            return None
        return {"id_number": ident[0], "enterprise": self.ctx.options.get("enterprise_id")}

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        pk, area = self.enterprise()
        fields = {
            "enterprise": pk,
            # The enterprise's area, for the audit entry's path (not a column of the model).
            "enterprise__area": area,
            "name": values["name"],
            "id_number": values["id_number"][0],
        }
        for key in ("phone", "department", "returning_from", "notes"):
            if key in values:
                fields[key] = values[key]
        return fields

    @classmethod
    def upload_url(cls, options: dict[str, Any]) -> str:
        from django.urls import reverse

        return reverse("enterprises:employee_import", args=[options.get("enterprise_id")])

    def object_repr(self, fields: dict[str, Any]) -> str:
        return mask_name(fields["name"])

    def foreign_row_message(self) -> str:
        return _("该职工已在本次导入范围之外登记")

"""Columns of the registry lists; the same definitions drive the HTML tables and the exports."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.tables import Column, Table, area_columns
from fangkong.formats import joined

from .choices import ResidentTag

TAG_LABELS = dict(ResidentTag.choices)


def tag_labels(resident) -> str:
    return joined(str(TAG_LABELS.get(t, t)) for t in resident.tag_list)


class ResidentTable(Table):
    detail_url_name = "registry:resident_detail"
    columns = (
        Column("name", _("姓名"), link=True),
        Column("gender", _("性别"), choices=True),
        Column("birth_date", _("出生日期")),
        Column("id_number", _("身份证号"), personal="id_number"),
        Column("phone", _("联系电话"), personal="phone"),
        Column("address", _("现住址"), personal="address"),
        Column("category", _("人员类别"), choices=True),
        *area_columns("grid", _("网格")),
        Column("household", _("户编号"), accessor="household.number"),
        Column("origin", _("来源地")),
        Column("arrival_date", _("抵达日期")),
        Column("tags", _("标签"), render=tag_labels),
        Column("notes", _("备注"), html=False),
    )


class HouseholdTable(Table):
    detail_url_name = "registry:household_detail"
    columns = (
        Column("number", _("户编号"), link=True),
        *area_columns("grid", _("网格")),
        Column("building", _("楼栋"), accessor="building.name"),
        Column("address", _("地址"), personal="address"),
        Column("member_count", _("人数")),
        Column("notes", _("备注"), html=False),
    )


class BuildingTable(Table):
    columns = (
        Column("name", _("楼栋")),
        *area_columns("grid", _("网格")),
        Column("household_count", _("户数")),
        Column("notes", _("备注")),
    )

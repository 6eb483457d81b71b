"""Columns of the risk lists; the same definitions drive the HTML tables and the exports."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.tables import Column, Table


def place_label(designation) -> str:
    return designation.place_label


def place_name(designation) -> str:
    return designation.area.name if designation.area_id else designation.place_name


def place_code(designation) -> str:
    return designation.area.code if designation.area_id else designation.place_code


class RiskLevelTable(Table):
    columns = (
        Column("name", _("名称")),
        Column("rank", _("等级序号")),
        Column("colour", _("颜色")),
    )


class RiskDesignationTable(Table):
    detail_url_name = "risk:designation_detail"
    columns = (
        Column("place", _("地区"), render=place_label, link=True, export=False),
        # The export's place as the 风险地区名单 import reads it back: a platform area by its
        # code, an external place by its name and code (an edited export re-imports).
        Column("place_name", _("地区名称"), render=place_name, html=False),
        Column("place_code", _("区划代码"), render=place_code, html=False),
        Column("level", _("风险等级"), accessor="level.name"),
        Column("effective_from", _("生效时间")),
        Column("effective_to", _("截止时间")),
        Column("reason", _("依据")),
        Column("set_by", _("设定人"), accessor="set_by.display_name"),
    )

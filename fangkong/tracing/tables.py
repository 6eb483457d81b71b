"""Columns of the tracing lists; the same definitions drive the HTML tables and the exports."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.scoping import area_visible_to
from fangkong.core.tables import Column, Table, area_columns


class CaseTable(Table):
    detail_url_name = "tracing:case_detail"
    columns = (
        Column("label", _("病例编号"), link=True),
        Column("name", _("姓名"), accessor="resident.name", link=True),
        *area_columns("grid", _("网格"), "resident.area"),
        Column("kind", _("类型"), choices=True),
        Column("onset_date", _("发病日期")),
        Column("confirmed_at", _("确诊时间")),
        Column("status", _("状态"), choices=True),
        Column("source", _("发现途径")),
    )


class ContactTable(Table):
    detail_url_name = "tracing:case_detail"

    def detail_url(self, obj) -> str:
        """The case's page, for a reader who may open it: a grid worker sees the contacts
        living in their grid, not a case elsewhere (its page would be 404 to them)."""
        from django.urls import reverse

        if self.user is not None and not area_visible_to(obj.case.resident.area, self.user):
            return ""
        return reverse(self.detail_url_name, args=[obj.case_id])

    columns = (
        Column("name", _("姓名"), accessor="resident.name", link=True),
        Column("id_number", _("身份证号"), accessor="resident.id_number", personal="id_number"),
        *area_columns("grid", _("网格"), "resident.area"),
        Column("case", _("病例"), accessor="case.label"),
        Column("degree", _("接触类型"), choices=True),
        Column("last_exposure", _("末次暴露日期")),
        Column("state", _("核实状态"), choices=True),
        Column("reason", _("判定依据")),
        Column("state_note", _("核实说明")),
    )


class ChainEdgeTable(Table):
    """传播链: one row per exposure (who, to whom, how, where, when)."""

    columns = (
        Column("source", _("传播来源"), personal="name"),
        Column("target", _("接触者"), personal="name"),
        Column("degree", _("接触类型")),
        Column("kind", _("暴露方式")),
        Column("venue", _("场所")),
        Column("source_start", _("来源进入时间")),
        Column("source_end", _("来源离开时间")),
        Column("contact_start", _("接触者进入时间")),
        Column("contact_end", _("接触者离开时间")),
        Column("overlap_minutes", _("共处分钟")),
        Column("state", _("核实状态")),
    )


def _visitor_resident(row) -> str:
    return row.resident_label


class VisitorTable(Table):
    """同场未登记人员 (``selectors.VisitorRow``): personal fields masked as every list masks
    them, on the page and in the export."""

    columns = (
        Column("name", _("姓名"), personal="name"),
        Column("id_number", _("身份证号"), personal="id_number"),
        Column("phone", _("联系电话"), personal="phone"),
        Column("venues", _("场所")),
        Column("reason", _("判定依据"), html=False),
        Column("last_exposure", _("末次暴露日期")),
        Column("resident", _("已登记居民"), render=_visitor_resident),
    )

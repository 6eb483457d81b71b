"""Columns of the screening lists; the same definitions drive the HTML tables and the exports."""

from functools import cached_property

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.tables import Column, Table, area_columns

from .choices import VisitOutcome
from .models import Campaign

OUTCOME_LABELS = dict(VisitOutcome.choices)


def latest_outcome_label(household) -> str:
    """A household still to visit stands on its latest visit (it has no conclusive one)."""
    value = getattr(household, "standing_outcome", None)
    return str(OUTCOME_LABELS[value]) if value else str(_("未走访"))


class CampaignTable(Table):
    detail_url_name = "screening:campaign_detail"
    columns = (
        Column("title", _("名称"), link=True),
        *area_columns("area", _("范围")),
        Column("origin_filter", _("来源地")),
        Column("since", _("抵达日期起")),
        Column("starts_on", _("开始日期")),
        Column("due_on", _("完成期限")),
        Column("closed", _("已结束")),
        Column("created_by", _("发起人"), accessor="created_by.display_name"),
    )


class UnvisitedHouseholdTable(Table):
    """不漏一户: the households still to visit, with their latest outcome if any."""

    detail_url_name = "registry:household_detail"
    columns = (
        Column("number", _("户编号"), link=True),
        *area_columns("grid", _("网格")),
        Column("building", _("楼栋"), accessor="building.name"),
        Column("address", _("地址"), personal="address"),
        Column("latest_outcome", _("最近走访结果"), render=latest_outcome_label),
    )


class VisitTable(Table):
    # 走访时间 leads to 更正 for whoever records visits, while the campaign runs (a closed
    # one's page would answer 403).
    link_permission = "screening.add_visit"

    def detail_url(self, obj) -> str:
        if obj.campaign_id in self._closed_campaigns:
            return ""
        return reverse("screening:visit_correct", args=[obj.campaign_id, obj.pk])

    @cached_property
    def _closed_campaigns(self) -> set[int]:
        # one small query a page, not a join on the list's index walk
        return set(Campaign.objects.filter(closed=True).values_list("pk", flat=True))

    columns = (
        Column("visited_at", _("走访时间"), link=True),
        Column("household", _("户编号"), accessor="household.number"),
        *area_columns("grid", _("网格"), "household.area"),
        Column("outcome", _("结果"), choices=True),
        Column("people_found", _("在户人数")),
        Column("new_people", _("新发现人数")),
        Column("visited_by", _("走访人"), accessor="visited_by.display_name"),
        Column("notes", _("备注"), personal="text"),
    )


def _coverage_area(row) -> str:
    return row.label or row.area.qualified_name


class CoverageTable(Table):
    """覆盖情况 per street, community or grid (``selectors.CoverageRow``) and their total: the
    export a community or street sends up; grids named after their community."""

    columns = (
        Column("area", _("区域"), render=_coverage_area),
        Column("code", _("区划代码"), render=lambda row: "" if row.label else row.area.code),
        Column("households", _("总户数")),
        Column("visited", _("已走访")),
        Column("vacant", _("其中已搬离/空置")),
        Column("nobody_home", _("无人在家")),
        Column("refused", _("拒绝配合")),
        Column("not_visited", _("未走访")),
        Column("percent", _("覆盖率(%)")),
        Column("people_found", _("在户人数")),
        Column("new_people", _("新发现人数")),
        Column("found", _("摸排发现人员")),
        Column("returnees", _("返乡人员")),
        Column("inflow", _("流入人员")),
        Column("overdue_grids", _("逾期网格")),
    )


class FindingTable(Table):
    columns = (
        Column("name", _("姓名"), accessor="resident.name"),
        Column("id_number", _("身份证号"), accessor="resident.id_number", personal="id_number"),
        *area_columns("grid", _("网格"), "resident.area"),
        Column("origin", _("来源地"), accessor="resident.origin"),
        Column("kind", _("类别"), choices=True),
        Column("campaign", _("摸排行动"), accessor="campaign.title"),
        Column("found_at", _("发现时间")),
        Column("found_by", _("发现人"), accessor="found_by.display_name"),
    )

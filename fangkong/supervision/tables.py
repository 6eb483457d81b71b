"""Columns of the supervision lists; the same definitions drive the HTML tables and exports."""

from operator import itemgetter

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.tables import Column, Table, area_columns
from fangkong.status.clock import local_date


def _overdue(problem) -> bool:
    """逾期 as the list's filter and the home panel count it (``Problem.is_overdue``)."""
    return problem.is_overdue(local_date(timezone.now()))


class InspectionGroupTable(Table):
    detail_url_name = "supervision:group_detail"
    columns = (
        Column("name", _("名称"), link=True),
        *area_columns("area", _("组建单位")),
        Column("leader", _("组长"), accessor="leader.display_name"),
        Column("member_count", _("成员数")),
        Column("area_count", _("督导区域数")),
        Column("focus", _("督导重点")),
        Column("active", _("在岗")),
    )


class ChecklistTemplateTable(Table):
    detail_url_name = "supervision:checklist_detail"
    columns = (
        Column("name", _("名称"), link=True),
        *area_columns("area", _("制定单位")),
        Column("item_count", _("检查项数")),
        Column("active", _("启用")),
    )


class InspectionTaskTable(Table):
    # A task opens the visit form filled in from it (group, area, 明查/暗访, checklist).
    link_permission = "supervision.add_visit"

    def detail_url(self, obj) -> str:
        return f"{reverse('supervision:visit_add')}?task={obj.pk}"

    columns = (
        Column("title", _("任务"), link=True),
        Column("group", _("督导组"), accessor="group.name"),
        *area_columns("area", _("督导区域")),
        Column("mode", _("方式"), choices=True),
        Column("planned_date", _("计划日期")),
        Column("checklist", _("检查清单"), accessor="checklist.name"),
        Column("state", _("状态"), choices=True),
    )


class VisitTable(Table):
    detail_url_name = "supervision:visit_detail"
    columns = (
        Column("visited_on", _("检查日期"), link=True),
        Column("group", _("督导组"), accessor="group.name"),
        *area_columns("area", _("检查区域")),
        Column("target_kind", _("检查对象类型"), choices=True),
        Column("target_name", _("检查对象")),
        Column("mode", _("方式"), choices=True),
        Column("inspector", _("检查人"), accessor="inspector.display_name"),
        Column("problem_count", _("发现问题")),
        Column("summary", _("检查情况"), html=False),
    )


class ProblemTable(Table):
    detail_url_name = "supervision:problem_detail"
    columns = (
        Column("title", _("问题"), link=True),
        *area_columns("area", _("责任单位")),
        Column("parent", _("上级区域"), accessor="area.parent.name"),
        Column("severity", _("严重程度"), choices=True),
        Column("found_on", _("发现日期")),
        Column("deadline", _("整改期限")),
        Column("state", _("状态"), choices=True),
        Column("overdue", _("逾期"), render=_overdue),
        Column("escalated_to", _("升级至"), accessor="escalated_to.name"),
        Column("group", _("督导组"), accessor="group.name"),
        Column("description", _("问题描述"), html=False),
        Column("rectified_at", _("整改提交时间"), html=False),
        Column("reopen_count", _("退回次数"), html=False),
        Column("closed_at", _("销号时间"), html=False),
    )


class ProblemSummaryTable(Table):
    detail_url_name = "supervision:summary_detail"
    columns = (
        Column("date", _("日期"), link=True),
        *area_columns("area", _("汇总区域")),
        Column("opened", _("当日新增"), render=lambda s: s.totals.get("opened", 0)),
        Column("closed", _("当日销号"), render=lambda s: s.totals.get("closed", 0)),
        Column("open", _("未销号"), render=lambda s: s.totals.get("open", 0)),
        Column("overdue", _("逾期"), render=lambda s: s.totals.get("overdue", 0)),
        Column("generated_at", _("生成时间")),
        Column("generated_by", _("生成人"), accessor="generated_by.display_name"),
    )


class SummaryRowTable(Table):
    """One row per responsible unit of a daily summary (rows are dicts)."""

    columns = (
        Column("parent", _("上级区域"), render=itemgetter("parent")),
        Column("unit", _("责任单位"), render=itemgetter("unit")),
        Column("code", _("区划代码"), render=itemgetter("code")),
        Column("opened", _("当日新增"), render=itemgetter("opened")),
        Column("closed", _("当日销号"), render=itemgetter("closed")),
        Column("open", _("未销号"), render=itemgetter("open")),
        Column("overdue", _("逾期"), render=itemgetter("overdue")),
        Column("escalated", _("已升级"), render=itemgetter("escalated")),
    )

"""Columns of the enterprise lists; the same definitions drive the HTML tables and the exports."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.tables import Column, Table, area_columns
from fangkong.status.choices import Colour

from .choices import ProblemState, ReturnState

COLOURS = dict(Colour.choices)
RETURN_STATES = dict(ReturnState.choices)


def status_label(employee) -> str:
    return str(COLOURS.get(employee.status_colour, "")) if employee.status_colour else ""


def return_state_label(employee) -> str:
    return str(RETURN_STATES.get(employee.return_state, ""))


def overdue_days(problem) -> int | str:
    """Days past the deadline of a problem still open (逾期天数), blank otherwise."""
    if problem.state != ProblemState.OPEN or problem.deadline is None:
        return ""
    late = (timezone.localdate() - problem.deadline).days
    return late if late > 0 else ""


def checklist_summary(inspection) -> str:
    return f"{inspection.passed_count}/{len(inspection.CHECKLIST)}"


class EnterpriseTable(Table):
    detail_url_name = "enterprises:enterprise_detail"
    columns = (
        Column("name", _("企业名称"), link=True),
        Column("credit_code", _("统一社会信用代码")),
        Column("sector", _("行业"), choices=True),
        *area_columns("area", _("所属区域")),
        Column("park", _("所在园区"), accessor="park.name"),
        Column("headcount", _("职工人数")),
        Column("resumption_state", _("复工状态"), choices=True),
        Column("resumed_on", _("复工日期")),
        Column("contact_name", _("联系人")),
        Column("contact_phone", _("联系电话"), personal="phone"),
        Column("address", _("地址"), html=False),
    )


class IndustrialParkTable(Table):
    detail_url_name = "enterprises:park_detail"
    columns = (
        Column("name", _("园区名称"), link=True),
        *area_columns("area", _("所属区域")),
        Column("enterprise_count", _("企业数")),
        Column("notes", _("备注")),
    )


class ResumptionApplicationTable(Table):
    detail_url_name = "enterprises:application_detail"
    columns = (
        Column("enterprise", _("企业"), accessor="enterprise.name", link=True),
        Column("state", _("状态"), choices=True),
        Column("employees_expected", _("预计返岗人数")),
        Column("masks", _("口罩（只）")),
        Column("thermometers", _("体温计（支）")),
        Column("disinfectant_kg", _("消毒液（公斤）")),
        Column("has_isolation_room", _("设有隔离观察室")),
        Column("submitted_at", _("提交时间")),
        Column("reviewed_at", _("审批时间")),
        Column("conditions", _("复工条件/要求"), html=False),
        Column("review_note", _("退回原因"), html=False),
    )


class EmployeeTable(Table):
    detail_url_name = "enterprises:employee_edit"
    link_permission = "enterprises.change_employee"
    columns = (
        Column("name", _("姓名"), link=True),
        Column("enterprise", _("企业"), accessor="enterprise.name"),
        Column("department", _("部门/岗位")),
        Column("id_number", _("身份证号"), personal="id_number"),
        Column("phone", _("联系电话"), personal="phone"),
        Column("returning_from", _("从何地返回")),
        Column("return_state", _("返岗状态"), render=return_state_label),
        Column("status_colour", _("健康码"), render=status_label),
    )


class LiaisonAssignmentTable(Table):
    columns = (
        Column("liaison", _("联络员"), accessor="liaison.display_name"),
        Column("enterprise", _("企业"), accessor="enterprise.name"),
        Column("start_date", _("派驻开始")),
        Column("end_date", _("派驻结束")),
        Column("notes", _("备注")),
    )


class DailyReportTable(Table):
    detail_url_name = "enterprises:report_edit"
    link_permission = "enterprises.change_dailyreport"
    columns = (
        Column("date", _("日期"), link=True),
        Column("enterprise", _("企业"), accessor="enterprise.name"),
        Column("people_on_site", _("在岗人数")),
        Column("temperature_checks", _("测温人次")),
        Column("abnormal_temperatures", _("体温异常人数")),
        Column("disinfection_done", _("已完成消毒")),
        Column("reported_by", _("填报人"), accessor="reported_by.display_name"),
        Column("notes", _("备注"), html=False),
    )


class MissingReportTable(Table):
    detail_url_name = "enterprises:enterprise_detail"
    columns = (
        Column("name", _("企业名称"), link=True),
        *area_columns("area", _("所属区域")),
        Column("contact_name", _("联系人")),
        Column("contact_phone", _("联系电话"), personal="phone"),
        Column("reminded", _("已催报")),
    )


class ReportReminderTable(Table):
    columns = (
        Column("date", _("日报日期")),
        Column("enterprise", _("企业"), accessor="enterprise.name"),
        Column("created_at", _("催报时间")),
        Column("reminded_by", _("催报人"), accessor="reminded_by.display_name"),
    )


class InspectionTable(Table):
    detail_url_name = "enterprises:inspection_detail"
    columns = (
        Column("inspected_on", _("检查日期"), link=True),
        Column("enterprise", _("企业"), accessor="enterprise.name"),
        Column("inspector", _("检查人"), accessor="inspector.display_name"),
        Column("checklist", _("达标项"), render=checklist_summary),
        Column("open_problems", _("未整改问题")),
        Column("notes", _("检查情况"), html=False),
    )


class InspectionProblemTable(Table):
    detail_url_name = "enterprises:problem_detail"
    columns = (
        Column("description", _("问题描述"), link=True),
        Column("enterprise", _("企业"), accessor="enterprise.name"),
        Column("state", _("状态"), choices=True),
        Column("deadline", _("整改期限")),
        Column("overdue_days", _("逾期天数"), render=overdue_days),
        Column("found_by", _("发现人"), accessor="found_by.display_name"),
        Column("created_at", _("发现时间")),
        Column("rectification", _("整改情况"), html=False),
    )


class DifficultyTable(Table):
    detail_url_name = "enterprises:difficulty_detail"
    columns = (
        Column("category", _("类别"), choices=True, link=True),
        Column("enterprise", _("企业"), accessor="enterprise.name"),
        Column("description", _("困难描述")),
        Column("state", _("状态"), choices=True),
        Column("created_at", _("提出时间")),
        Column("response", _("解决措施")),
        Column("responded_by", _("答复人"), accessor="responded_by.display_name"),
    )

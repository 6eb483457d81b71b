"""Columns of the health lists; the same definitions drive the HTML tables and the exports."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.tables import Column, Table, area_columns
from fangkong.formats import joined
from fangkong.tracing.choices import CaseStatus

from .choices import NatResult, Slot


def symptom_text(checkin) -> str:
    return joined(checkin.symptom_labels())


def slot_label(row) -> str:
    return str(Slot(row.slot).label)


def assignment_state(assignment) -> str:
    return assignment.state_label()


def assignment_source(assignment) -> str:
    """The case whose contact it is (its code), and whether that case was voided."""
    if assignment.contact is None:
        return ""
    case = assignment.contact.case
    if case.status == CaseStatus.VOIDED:
        return _("%(case)s（已撤销）") % {"case": case.label}
    return case.label


def nat_review(test) -> str:
    """阳性复核 of a positive result; a negative or pending one has nothing to review."""
    return str(test.get_review_display()) if test.result == NatResult.POSITIVE else ""


def assignment_kind(row) -> str:
    return str(row.assignment.get_kind_display())


class AssignmentTable(Table):
    detail_url_name = "health:assignment_detail"
    columns = (
        Column("name", _("姓名"), accessor="resident.name", link=True),
        Column("id_number", _("身份证号"), accessor="resident.id_number", personal="id_number"),
        *area_columns("grid", _("网格"), "resident.area"),
        Column("kind", _("类型"), choices=True, link=True),
        Column("start_date", _("开始日期")),
        Column("end_date", _("结束日期")),
        Column("place", _("隔离/监测地点"), personal="address"),
        Column("responsible", _("责任网格员"), accessor="responsible.display_name"),
        Column("doctor", _("责任医生")),
        Column("state", _("状态"), render=assignment_state),
        Column("source", _("来源病例"), render=assignment_source),
    )


class CheckInTable(Table):
    columns = (
        Column("date", _("日期")),
        Column("slot", _("时段"), choices=True),
        Column("temperature", _("体温(℃)")),
        Column("symptoms", _("症状"), render=symptom_text),
        Column("source", _("填报方式"), choices=True),
        Column("recorded_at", _("填报时间")),
    )


class AlertTable(Table):
    detail_url_name = "health:assignment_detail"

    def detail_url(self, obj) -> str:
        return reverse(self.detail_url_name, args=[obj.assignment_id])

    columns = (
        Column("name", _("姓名"), accessor="assignment.resident.name", link=True),
        *area_columns("grid", _("网格"), "assignment.resident.area"),
        Column("kind", _("类型"), choices=True),
        Column("date", _("日期")),
        Column("slot", _("时段"), choices=True),
        Column("message", _("内容")),
        Column("responsible", _("责任网格员"), accessor="assignment.responsible.display_name"),
        Column("acknowledged_by", _("处理人"), accessor="acknowledged_by.display_name"),
        Column("acknowledged_at", _("处理时间")),
    )


class OverdueTable(Table):
    """逾期未报: a missed half-day slot of an active assignment."""

    detail_url_name = "health:assignment_detail"

    def detail_url(self, obj) -> str:
        return reverse(self.detail_url_name, args=[obj.assignment.pk])

    columns = (
        Column("name", _("姓名"), accessor="assignment.resident.name", link=True),
        *area_columns("grid", _("网格"), "assignment.resident.area"),
        Column("kind", _("类型"), render=assignment_kind),
        Column("date", _("日期")),
        Column("slot", _("时段"), render=slot_label),
        Column("deadline", _("截止时间")),
        Column("responsible", _("责任网格员"), accessor="assignment.responsible.display_name"),
    )


class NucleicAcidTestTable(Table):
    detail_url_name = "health:nat_detail"
    columns = (
        Column("name", _("姓名"), accessor="resident.name", link=True),
        Column("id_number", _("身份证号"), accessor="resident.id_number", personal="id_number"),
        *area_columns("grid", _("网格"), "resident.area"),
        Column("sampled_at", _("采样时间")),
        Column("result", _("结果"), choices=True),
        Column("institution", _("检测机构")),
        Column("reported_at", _("报告时间")),
        Column("review", _("阳性复核"), render=nat_review),
    )


class HealthCertificateTable(Table):
    detail_url_name = "health:certificate_detail"
    columns = (
        Column("code", _("证明编号"), link=True),
        Column("name", _("姓名"), accessor="resident.name"),
        Column("kind", _("类型"), render=assignment_kind),
        Column("issued_at", _("开具时间")),
        Column("issued_by", _("开具人"), accessor="issued_by.display_name"),
        Column("revoked", _("已作废")),
        Column("revoked_reason", _("作废原因")),
    )

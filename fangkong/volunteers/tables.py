"""Columns of the volunteer lists; the same definitions drive the HTML tables and the exports."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.tables import Column, Table, area_columns

from .choices import Skill, TimeOfDay, Weekday
from .rules import labels
from .selectors import hours


def skill_labels(obj) -> str:
    return labels(obj.skills, Skill)


def availability(obj) -> str:
    days, times = labels(obj.available_days, Weekday), labels(obj.available_times, TimeOfDay)
    return f"{days} {times}".strip()


def day_labels(obj) -> str:
    return labels(obj.available_days, Weekday)


def time_labels(obj) -> str:
    return labels(obj.available_times, TimeOfDay)


def total_hours(obj):
    return hours(getattr(obj, "total_minutes", 0))


class VolunteerTable(Table):
    detail_url_name = "volunteers:volunteer_detail"
    columns = (
        Column("name", _("姓名"), link=True),
        Column("id_number", _("身份证号"), personal="id_number"),
        Column("phone", _("联系电话"), personal="phone"),
        *area_columns("community", _("所属社区")),
        Column("organisation", _("工作单位")),
        Column("is_party_member", _("中共党员")),
        Column("skills", _("技能特长"), render=skill_labels),
        Column("availability", _("可服务时间"), render=availability, export=False),
        # Exported as the import's two columns, so an edited export can be imported back.
        Column("available_days", _("可服务日"), render=day_labels, html=False),
        Column("available_times", _("可服务时段"), render=time_labels, html=False),
        Column("health", _("健康状况"), choices=True),
        Column("state", _("状态"), choices=True),
        Column("hours", _("累计服务时长(小时)"), render=total_hours),
    )


class CertificateTable(Table):
    detail_url_name = "volunteers:volunteer_detail"
    columns = (
        Column("name", _("姓名"), link=True),
        *area_columns("community", _("所属社区")),
        Column("organisation", _("工作单位")),
        Column("hours", _("累计服务时长(小时)"), render=total_hours),
        Column(
            "pdf",
            _("证书"),
            render=lambda v: _("下载证书"),
            export=False,
        ),
    )

    def detail_url(self, obj) -> str:
        return reverse("volunteers:volunteer_certificate", args=[obj.pk])


class PartyReportTable(Table):
    detail_url_name = "volunteers:volunteer_detail"
    columns = (
        Column("volunteer", _("党员"), accessor="volunteer.name", link=True),
        Column("phone", _("联系电话"), accessor="volunteer.phone", personal="phone"),
        *area_columns("area", _("报到社区")),
        Column("reported_on", _("报到日期")),
        Column("work_unit", _("工作单位")),
        Column("live_tasks", _("当前任务数")),
        Column("notes", _("备注"), html=False),
    )

    def detail_url(self, obj) -> str:
        return reverse(self.detail_url_name, args=[obj.volunteer_id])


class NeedTable(Table):
    detail_url_name = "volunteers:need_detail"
    columns = (
        Column("title", _("岗位名称"), link=True),
        Column("kind", _("岗位类型"), choices=True),
        *area_columns("area", _("社区/网格")),
        Column("place", _("地点")),
        Column("starts_at", _("开始时间")),
        Column("ends_at", _("结束时间")),
        Column("headcount", _("需要人数")),
        Column("required_skills", _("所需技能"), render=lambda n: labels(n.required_skills, Skill)),
        Column("accepted", _("已接受")),
        Column("offered", _("待确认")),
        Column("declined", _("已拒绝")),
        Column("state", _("状态"), choices=True),
    )


class AssignmentTable(Table):
    detail_url_name = "volunteers:need_detail"
    link_permission = "volunteers.view_need"  # a volunteer sees their tasks, not the posts
    columns = (
        Column("need", _("岗位"), accessor="need.title", link=True),
        *area_columns("area", _("社区/网格"), "need.area"),
        Column("starts_at", _("开始时间"), accessor="need.starts_at"),
        Column("volunteer", _("志愿者"), accessor="volunteer.name"),
        Column("phone", _("联系电话"), accessor="volunteer.phone", personal="phone"),
        Column("batch", _("派遣批次"), accessor="batch.name"),
        Column("score", _("匹配得分")),
        Column("state", _("状态"), choices=True),
        Column("responded_at", _("答复时间")),
        Column("decline_reason", _("拒绝原因")),
        Column("reason", _("推荐理由"), html=False),
    )

    def detail_url(self, obj) -> str:
        return reverse(self.detail_url_name, args=[obj.need_id])


class ShiftTable(Table):
    columns = (
        Column("volunteer", _("志愿者"), accessor="assignment.volunteer.name"),
        Column("need", _("岗位"), accessor="assignment.need.title"),
        *area_columns("area", _("社区/网格"), "assignment.need.area"),
        Column("started_at", _("签到时间")),
        Column("ended_at", _("签退时间")),
        Column("hours", _("服务时长(小时)")),
    )


class DispatchBatchTable(Table):
    detail_url_name = "volunteers:batch_detail"
    columns = (
        Column("name", _("批次名称"), link=True),
        *area_columns("area", _("派遣单位区域")),
        Column("created_at", _("派遣时间")),
        Column("size", _("派遣人数")),
        Column("communities", _("下沉社区/网格数")),
        Column("accepted", _("已接受")),
        Column("created_by", _("派遣人"), accessor="created_by.display_name"),
    )


class TeamTable(Table):
    detail_url_name = "volunteers:team_detail"
    columns = (
        Column("name", _("队伍名称"), link=True),
        Column("kind", _("类型"), choices=True),
        *area_columns("area", _("所属区域")),
        Column("leader", _("负责人"), accessor="leader.name"),
        Column("member_count", _("人数")),
        Column("notes", _("备注"), html=False),
    )

"""Columns of the duty lists; the same definitions drive the HTML tables and the exports."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.tables import Column, Table, area_columns

from .models import Shift


def _member_count(group) -> int:
    return getattr(group, "member_count", None) or group.members.count()


def _ack_progress(notice) -> str:
    return f"{getattr(notice, 'acknowledged_count', 0)}/{notice.recipient_count}"


def _overdue(notice) -> bool:
    return notice.is_overdue() and getattr(notice, "acknowledged_count", 0) < notice.recipient_count


class WorkingGroupTable(Table):
    detail_url_name = "duty:group_detail"
    columns = (
        Column("name", _("专班名称"), link=True),
        *area_columns("area", _("所属单位")),
        Column("leader", _("组长"), accessor="leader.display_name"),
        Column("members", _("成员数"), render=_member_count),
    )


class ShiftTable(Table):
    detail_url_name = "duty:shift_detail"
    columns = (
        *area_columns("area", _("值班单位")),
        # The page shows a cover as 王五（替 李四）; the export gives the scheduled person and
        # the reason columns of their own (last: the columns before them read back as an import).
        Column("person", _("值班人员"), render=Shift.on_duty_label, link=True, export=False),
        Column("person", _("值班人员"), accessor="person.display_name", html=False),
        Column("username", _("账号"), accessor="person.username", html=False),
        Column("role", _("值班角色"), choices=True),
        Column("phone", _("值班电话")),
        Column("start", _("开始时间")),
        Column("end", _("结束时间")),
        Column("group", _("专班"), accessor="group.name"),
        Column("note", _("备注")),
        Column("covered_for", _("原排班人员"), accessor="covered_for.display_name", html=False),
        Column("cover_reason", _("替班原因"), html=False),
    )


class HandoverTable(Table):
    detail_url_name = "duty:handover_detail"
    columns = (
        Column("handed_at", _("交班时间"), link=True),
        *area_columns("area", _("值班单位")),
        Column("outgoing", _("交班人"), accessor="outgoing.display_name"),
        Column("incoming", _("接班人"), accessor="incoming.display_name"),
        Column("acknowledged_at", _("接班确认时间")),
    )


class NoticeTable(Table):
    detail_url_name = "duty:notice_detail"
    columns = (
        Column("title", _("标题"), link=True),
        Column("kind", _("类型"), choices=True),
        *area_columns("sender_area", _("发文单位"), "sender_area"),
        Column("sent_at", _("发送时间")),
        Column("deadline", _("签收期限")),
        Column("progress", _("已签收/应签收"), render=_ack_progress),
        Column("overdue", _("逾期未签收"), render=_overdue),
    )

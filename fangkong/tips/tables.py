"""Columns of the tip lists; the same definitions drive the HTML tables and the exports.

The tip-giver's name and phone are masked columns: the export has no personal-export
permission for tips, so they are masked in every file too.
"""

from django.utils.translation import gettext_lazy as _

from fangkong.core.tables import Column, Table, area_columns


class TipTable(Table):
    detail_url_name = "tips:tip_detail"
    columns = (
        Column("receipt_code", _("回执码"), link=True),
        Column("created_at", _("提交时间")),
        Column("category", _("线索类别"), choices=True),
        *area_columns("area", _("所属区域")),
        Column("place", _("地点")),
        Column("state", _("状态"), choices=True),
        Column("anonymous", _("匿名")),
        Column("contact_name", _("举报人姓名"), personal="name"),
        Column("contact_phone", _("举报人电话"), personal="phone"),
        Column("photo_count", _("照片"), html=False),
        Column("outcome", _("核查结果"), html=False),
    )


class RewardTable(Table):
    detail_url_name = "tips:tip_detail"

    def detail_url(self, obj) -> str:
        from django.urls import reverse

        return reverse(self.detail_url_name, args=[obj.tip_id])

    columns = (
        Column("receipt_code", _("回执码"), accessor="tip.receipt_code", link=True),
        *area_columns("area", _("所属区域"), "tip.area"),
        Column("amount", _("奖励金额(元)")),
        Column("created_at", _("登记时间")),
        Column("paid_on", _("发放日期")),
        Column("note", _("说明")),
    )

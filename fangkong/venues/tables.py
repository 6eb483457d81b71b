"""Columns of the venue, scan and going-out lists; they drive the HTML tables and exports."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.tables import Column, Table, area_columns


def person_label(scan) -> str:
    return scan.person_label


def capacity_text(venue) -> int | str:
    # A limit stays a number (it adds up in an export); no limit reads 不限.
    return venue.capacity if venue.capacity else str(_("不限"))


class VenueTable(Table):
    detail_url_name = "venues:venue_detail"
    columns = (
        Column("name", _("场所名称"), link=True),
        Column("kind", _("场所类型"), choices=True),
        *area_columns("area", _("所属区域")),
        Column("address", _("场所地址")),
        Column("capacity", _("限流人数"), render=capacity_text),
        Column("measures_temperature", _("测温")),
        Column("nat_hours", _("核酸查验时限（小时）")),
        Column("active", _("启用")),
    )


class ScanTable(Table):
    columns = (
        Column("scanned_at", _("扫码时间")),
        Column("venue", _("场所"), accessor="venue.name"),
        Column("direction", _("进出"), choices=True),
        Column("person", _("姓名"), render=person_label),
        Column("visitor_id", _("访客身份证号"), accessor="id_number", personal="id_number"),
        Column("visitor_phone", _("访客电话"), accessor="phone", personal="phone"),
        Column("temperature", _("体温(℃)")),
        Column("colour", _("扫码时状态"), choices=True),
        Column("admitted", _("准入")),
        Column("source", _("登记方式"), choices=True),
    )


class OutingApprovalTable(Table):
    detail_url_name = "venues:outing_detail"
    columns = (
        Column("name", _("姓名"), accessor="resident.name", personal="name", link=True),
        *area_columns("grid", _("网格"), "resident.area"),
        Column("destination", _("目的地")),
        Column("starts_at", _("外出开始")),
        Column("ends_at", _("返回时间")),
        Column("state", _("审批状态"), choices=True, link=True),
        Column("requested_by", _("申请登记人"), accessor="requested_by.display_name"),
        Column("decided_by", _("审批人"), accessor="decided_by.display_name"),
        Column("decided_at", _("审批时间")),
    )

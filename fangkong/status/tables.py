"""Columns of the status lists; the same definitions drive the HTML tables and the exports."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.tables import Column, Table, area_columns

from .engine import render


def reason_texts(status) -> str:
    """The reasons in the reader's language (stored reasons carry their parameters)."""
    return "；".join(render(r) for r in status.reasons or [])


def overridden(status) -> bool:
    return status.override_id is not None


class PersonStatusTable(Table):
    detail_url_name = "registry:resident_detail"  # a status's pk is its resident's
    columns = (
        Column("name", _("姓名"), accessor="resident.name", link=True),
        Column("id_number", _("身份证号"), accessor="resident.id_number", personal="id_number"),
        Column("phone", _("联系电话"), accessor="resident.phone", personal="phone"),
        *area_columns("grid", _("网格")),
        Column("colour", _("状态"), choices=True),
        Column("reasons", _("原因"), render=reason_texts),
        Column("override", _("人工调整"), render=overridden),
        Column("computed_at", _("计算时间")),
        Column("valid_until", _("有效至")),
        Column("rules_version", _("规则版本"), html=False),
    )


class StatusOverrideTable(Table):
    columns = (
        Column("name", _("姓名"), accessor="resident.name"),
        Column("id_number", _("身份证号"), accessor="resident.id_number", personal="id_number"),
        Column("colour", _("调整为"), choices=True),
        Column("reason", _("调整原因")),
        Column("expires_at", _("有效至")),
        Column("state", _("审批状态"), choices=True),
        Column("requested_by", _("申请人"), accessor="requested_by.display_name"),
        Column("requested_at", _("申请时间")),
        Column("approved_by", _("批准人"), accessor="approved_by.display_name"),
    )

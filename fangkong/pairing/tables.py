from django.utils.translation import gettext_lazy as _

from fangkong.core.tables import Column, Table, area_columns


def _account(pairing) -> str:
    return str(_("已开通") if pairing.volunteer.user_id else _("未开通"))


class PairingTable(Table):
    # A row opens 解除包联 (with its reason): a pairing has nothing else to edit.
    detail_url_name = "pairing:pairing_delete"
    columns = (
        Column("volunteer", _("包联党员"), accessor="volunteer.name"),
        # A suspended party member's households wait for someone else: the list says so.
        Column("state", _("党员状态"), accessor="volunteer.state", choices=True),
        Column("phone", _("联系电话"), accessor="volunteer.phone", personal="phone"),
        *area_columns("area", _("网格")),
        Column("target", _("包联楼栋/户"), accessor="target_label", link=True),
        Column("household_count", _("户数")),
        Column("account", _("账号"), render=_account),
        Column("created_at", _("包联时间")),
        Column("notes", _("备注"), html=False),
    )

from django.urls import reverse
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


def _coverage_area(row) -> str:
    return row.label or row.area.qualified_name


class CoverageTable(Table):
    """包联覆盖 per grid (``selectors.CoverageRow``) and their total; a row's 未包联户 lead
    to the list of those households in its grid."""

    columns = (
        Column("area", _("网格"), render=_coverage_area),
        Column("households", _("户数")),
        Column("covered", _("已包联户")),
        Column("uncovered", _("未包联户"), link=True),
        Column("percent", _("覆盖率(%)")),
    )

    def detail_url(self, row) -> str:
        url = reverse("pairing:uncovered_list")
        return f"{url}?area={row.area.pk}" if row.area is not None else url


class UncoveredHouseholdTable(Table):
    """未包联户: households no pairing covers, to be given a party member."""

    detail_url_name = "registry:household_detail"
    columns = (
        Column("number", _("户编号"), link=True),
        Column("building", _("楼栋"), accessor="building.name"),
        *area_columns("grid", _("网格")),
        Column("member_count", _("人数")),
    )

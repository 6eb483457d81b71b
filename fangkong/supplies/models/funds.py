from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel

from ..choices import FundEntryKind, FundKind
from .base import LedgerRow


class Fund(ScopedModel):
    """专项资金: e.g. special party fees or donated money; the balance is the sum of entries."""

    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="funds", verbose_name=_("管理区域")
    )
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("资金类型"), max_length=16, choices=FundKind.choices)
    notes = models.TextField(_("备注"), blank=True)

    audit_named = True  # the audit log names it where an entry refers to it

    class Meta:
        verbose_name = _("专项资金")
        verbose_name_plural = _("专项资金")
        ordering = ["area__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="fund_unique_name_per_area")
        ]

    def __str__(self):
        return self.name


class FundEntry(LedgerRow):
    """资金流水: income (+), an allocation to a unit (−) or spending (−); append-only."""

    scope_field = "fund__area"

    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="entries", verbose_name=_("资金")
    )
    kind = models.CharField(_("类型"), max_length=12, choices=FundEntryKind.choices)
    amount = models.DecimalField(_("金额(元)"), max_digits=14, decimal_places=2)
    date = models.DateField(_("日期"))
    counterpart = models.CharField(_("来源/去向单位"), max_length=100, blank=True)
    purpose = models.CharField(_("用途/说明"), max_length=200, blank=True)
    donation = models.ForeignKey(
        "supplies.Donation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fund_entries",
        verbose_name=_("捐赠"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("经办人"),
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("资金流水")
        verbose_name_plural = _("资金流水")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["fund", "kind"], name="fundentry_fund_kind_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel


class Reward(ScopedModel):
    """举报奖励: the reward for a verified tip, its amount and the day it was paid."""

    scope_field = "tip__area"

    tip = models.OneToOneField(
        "tips.Tip", on_delete=models.PROTECT, related_name="reward", verbose_name=_("举报线索")
    )
    amount = models.DecimalField(_("奖励金额(元)"), max_digits=10, decimal_places=2)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    paid_on = models.DateField(_("发放日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("登记人"),
    )

    class Meta:
        verbose_name = _("举报奖励")
        verbose_name_plural = _("举报奖励")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.tip.receipt_code} ¥{self.amount}"

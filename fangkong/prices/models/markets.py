from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel

from ..choices import MarketKind


class Market(ScopedModel):
    """市场/超市: a place that reports prices and stock of necessities every day."""

    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="markets", verbose_name=_("所属区域")
    )
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=MarketKind.choices)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    audit_named = True  # the audit log names it where an entry refers to it

    class Meta:
        verbose_name = _("市场/超市")
        verbose_name_plural = _("市场/超市")
        ordering = ["area__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="market_unique_name_per_area")
        ]

    def __str__(self):
        return self.name

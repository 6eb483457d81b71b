from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel
from fangkong.core.scoping import ScopedManager


class PriceReport(ScopedModel):
    """价格日报: one market's prices and stock for one day; editable that day only."""

    scope_field = "market__area"

    market = models.ForeignKey(
        "prices.Market", on_delete=models.PROTECT, related_name="reports", verbose_name=_("市场")
    )
    date = models.DateField(_("日期"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("填报人"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    # The audit log's "lines" change: {commodity id: [price, stock]} (``services``).
    audit_labels = {"lines": _("价格明细（价格 / 库存）")}
    audit_keyed = {"lines": "prices.Commodity"}

    class Meta:
        verbose_name = _("价格日报")
        verbose_name_plural = _("价格日报")
        ordering = ["-date", "market__name"]
        permissions = [("export_pricereport", _("导出价格日报"))]
        constraints = [
            models.UniqueConstraint(fields=["market", "date"], name="pricereport_one_per_day")
        ]

    def __str__(self):
        return f"{self.market} {self.date.isoformat()}"


class PriceLine(models.Model):
    """One necessity's price and stock in a daily report."""

    scope_field = "market__area"  # the denormalised market: one join fewer

    report = models.ForeignKey(
        PriceReport, on_delete=models.CASCADE, related_name="lines", verbose_name=_("日报")
    )
    commodity = models.ForeignKey(
        "prices.Commodity", on_delete=models.PROTECT, related_name="lines", verbose_name=_("品名")
    )
    # Denormalised from the report so trends and baselines read one table with one index.
    market = models.ForeignKey(
        "prices.Market", on_delete=models.PROTECT, related_name="+", verbose_name=_("市场")
    )
    date = models.DateField(_("日期"))
    price = models.DecimalField(_("价格"), max_digits=10, decimal_places=2)
    stock = models.DecimalField(_("库存"), max_digits=14, decimal_places=2, null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("价格明细")
        verbose_name_plural = _("价格明细")
        ordering = ["date", "commodity__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["report", "commodity"], name="priceline_unique")
        ]
        indexes = [
            models.Index(fields=["commodity", "market", "date"], name="priceline_trend_idx"),
            models.Index(fields=["date"], name="priceline_date_idx"),
            # Each market's series in order, prices included (``selectors.price_alerts``).
            models.Index(
                fields=["market", "commodity", "date", "price"], name="priceline_series_idx"
            ),
        ]

    def __str__(self):
        return f"{self.commodity_id} {self.price}"

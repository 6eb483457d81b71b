from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import TimestampedModel, VersionedModel
from fangkong.supplies.models.base import CatalogueQuerySet

from ..choices import CommodityCategory


class Commodity(TimestampedModel, VersionedModel):
    """生活必需品: one line of the daily price report (白菜, 猪肉, 大米, 食用油, 鸡蛋, …)."""

    name = models.CharField(_("品名"), max_length=50, unique=True)
    category = models.CharField(_("类别"), max_length=16, choices=CommodityCategory.choices)
    price_unit = models.CharField(_("价格单位"), max_length=16, default="元/斤")
    stock_unit = models.CharField(_("库存单位"), max_length=16, default="千克")
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    alert_percent = models.DecimalField(
        _("涨价预警阈值(%)"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("10"),
        help_text=_("当日价格高于近期基准价（前 N 天中位数）超过该比例时预警"),
    )
    baseline_days = models.PositiveSmallIntegerField(_("基准天数"), default=7)
    active = models.BooleanField(_("启用"), default=True)

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        verbose_name = _("生活必需品")
        verbose_name_plural = _("生活必需品")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name

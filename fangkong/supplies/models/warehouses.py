from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel

from ..choices import WarehouseKind


class Warehouse(ScopedModel):
    """物资库点: a warehouse, or a front-line unit (checkpoint, community, quarantine site)
    that requests, receives and holds supplies."""

    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="warehouses",
        verbose_name=_("所属区域"),
    )
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(
        _("类型"), max_length=20, choices=WarehouseKind.choices, default=WarehouseKind.WAREHOUSE
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    keeper = models.CharField(_("负责人"), max_length=50, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    audit_named = True  # the audit log names it where an entry refers to it

    class Meta:
        verbose_name = _("物资库点")
        verbose_name_plural = _("物资库点")
        ordering = ["area__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="warehouse_unique_name_per_area")
        ]

    def __str__(self):
        return self.name

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import TimestampedModel, VersionedModel

from ..choices import ItemCategory, Unit
from .base import CatalogueQuerySet


class Item(TimestampedModel, VersionedModel):
    """物资品目: a kind of supply, counted in a base unit, optionally also in a second unit."""

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    category = models.CharField(
        _("类别"), max_length=16, choices=ItemCategory.choices, default=ItemCategory.PROTECTIVE
    )
    spec = models.CharField(_("规格"), max_length=100, blank=True)
    unit = models.CharField(_("计量单位"), max_length=8, choices=Unit.choices)
    alt_unit = models.CharField(_("辅助单位"), max_length=8, choices=Unit.choices, blank=True)
    alt_factor = models.DecimalField(
        _("换算系数"),
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("1 个辅助单位折合多少计量单位，如 1 吨 = 1000 千克"),
    )
    alert_days = models.PositiveSmallIntegerField(
        _("预警天数"), default=3, help_text=_("按近期日均消耗，可用天数低于此值时预警")
    )
    active = models.BooleanField(_("启用"), default=True)

    objects = CatalogueQuerySet.as_manager()

    audit_named = True  # the audit log names it where an entry refers to it

    class Meta:
        verbose_name = _("物资品目")
        verbose_name_plural = _("物资品目")
        ordering = ["code"]

    def __str__(self):
        return self.name

    def units(self) -> list[str]:
        return [self.unit, self.alt_unit] if self.alt_unit else [self.unit]

    def to_base(self, quantity: Decimal, unit: str) -> Decimal:
        """``quantity`` in ``unit`` expressed in the item's base unit."""
        if not unit or unit == self.unit:
            return quantity
        if unit == self.alt_unit and self.alt_factor:
            return quantity * self.alt_factor
        raise ValueError(unit)

    def from_base(self, quantity: Decimal, unit: str) -> Decimal:
        if not unit or unit == self.unit:
            return quantity
        if unit == self.alt_unit and self.alt_factor:
            return quantity / self.alt_factor
        raise ValueError(unit)

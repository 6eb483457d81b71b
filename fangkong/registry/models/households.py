from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel
from fangkong.core.personal import EncryptedTextField


class Household(ScopedModel):
    """户: the unit a grid worker visits; its members are residents."""

    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="households", verbose_name=_("网格")
    )
    building = models.ForeignKey(
        "registry.Building",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="households",
        verbose_name=_("楼栋"),
    )
    number = models.CharField(_("户编号"), max_length=64)
    address = EncryptedTextField(_("地址"), kind="address")
    notes = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["area", "number"]
        constraints = [
            models.UniqueConstraint(fields=["area", "number"], name="household_unique_number")
        ]

    def __str__(self):
        return self.number

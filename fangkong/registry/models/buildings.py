from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel


class Building(ScopedModel):
    """楼栋: a building in a grid; households live in it."""

    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="buildings", verbose_name=_("网格")
    )
    name = models.CharField(_("楼栋"), max_length=100)
    notes = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["area", "name"]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="building_unique_name_per_grid")
        ]

    def __str__(self):
        return self.name

from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.scoping import ScopedManager

from ..choices import Colour


class ColourCount(models.Model):
    """How many stored statuses of one colour an area (a grid) holds: the dashboard's status
    figures add these up instead of counting 1,000,000 statuses. Kept by database triggers
    on ``PersonStatus`` in the writing statement's transaction (``status.colour_counts``),
    so every writer — the engine's upserts, bulk loads, deletes by cascade — keeps it right;
    never written by application code except ``colour_counts.rebuild``."""

    scope_field = "area"
    area = models.ForeignKey(
        "areas.Area", on_delete=models.CASCADE, related_name="+", verbose_name=_("网格")
    )
    colour = models.CharField(_("状态"), max_length=8, choices=Colour.choices)
    n = models.BigIntegerField(_("人数"), default=0)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("状态人数")
        verbose_name_plural = _("状态人数")
        constraints = [
            models.UniqueConstraint(fields=["area", "colour"], name="colourcount_area_colour")
        ]

    def __str__(self):
        return f"{self.get_colour_display()} {self.n}"

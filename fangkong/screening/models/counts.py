from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.scoping import ScopedManager


class HouseholdCount(models.Model):
    """How many households an area (a grid) holds, kept by database triggers on the
    household table (``screening.coverage``): a campaign's targeted households added up from
    these instead of counted one by one."""

    scope_field = "area"
    area = models.OneToOneField(
        "areas.Area", on_delete=models.CASCADE, related_name="+", verbose_name=_("网格")
    )
    n = models.BigIntegerField(_("户数"), default=0)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("户数")
        verbose_name_plural = _("户数")

    def __str__(self):
        return str(self.n)


class CoverageCount(models.Model):
    """The change, on one local day, in how many households of an area a campaign counts as
    visited (settled by a conclusive visit, for good): the visited households as of a day
    are the sum of the changes up to it. Kept by ``screening.coverage`` in the transaction of
    each visit and household move."""

    scope_field = "area"
    campaign = models.ForeignKey(
        "screening.Campaign", on_delete=models.CASCADE, related_name="+", verbose_name=_("摸排行动")
    )
    area = models.ForeignKey(
        "areas.Area", on_delete=models.CASCADE, related_name="+", verbose_name=_("网格")
    )
    day = models.DateField(_("日期"))
    visited = models.IntegerField(_("已入户户数变化"), default=0)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("入户户数变化")
        verbose_name_plural = _("入户户数变化")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "area", "day"], name="coveragecount_campaign_area_day"
            )
        ]

    def __str__(self):
        return f"{self.day} {self.visited:+d}"

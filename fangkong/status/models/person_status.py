import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.scoping import ScopedManager

from ..choices import Colour


def new_public_code() -> str:
    return secrets.token_urlsafe(16)


class PersonStatus(models.Model):
    """人员状态（健康码）: the stored result of the rules for one resident.

    Written only by ``status.services.recompute_status``; ``area`` repeats the resident's
    grid so "everyone yellow in 仁和区" is one indexed query without joining residents.
    """

    scope_field = "area"

    resident = models.OneToOneField(
        "registry.Resident",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="status",
        verbose_name=_("居民"),
    )
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("网格")
    )
    colour = models.CharField(_("状态"), max_length=8, choices=Colour.choices)
    reasons = models.JSONField(_("原因"), default=list, blank=True)
    rules_version = models.CharField(_("规则版本"), max_length=16)
    computed_at = models.DateTimeField(_("计算时间"))
    valid_until = models.DateTimeField(_("有效至"), null=True, blank=True, db_index=True)
    override = models.ForeignKey(
        "status.StatusOverride",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("人工调整"),
    )
    public_code = models.CharField(
        _("个人码"), max_length=32, unique=True, default=new_public_code, editable=False
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("人员状态")
        verbose_name_plural = _("人员状态")
        # Stored keys: "area"/"resident" would follow those models' own orderings (path, name)
        # and sort every matching row — over a second for a district at 1M residents.
        ordering = ["area_id", "resident_id"]
        permissions = [("verify_personstatus", _("核验个人码"))]
        indexes = [
            # The colour list (colour, then the area subtree in area order) and the dashboard's
            # counts per colour and area, from the index alone. No (area, colour) index beside
            # it: SQLite's planner takes that one for the list and sorts every match (1.1 s
            # instead of 14 ms for a district's yellow list at 1,000,000 residents).
            models.Index(fields=["colour", "area"], name="personstatus_colour_area"),
            # The list's order: the scope's areas in id order, each one's statuses in
            # resident order; a city-wide first page reads 50 entries instead of sorting.
            # (The area's own index stays: dropping it would remake the table on SQLite
            # and with it the colour counts' triggers.)
            models.Index(fields=["area", "resident"], name="personstatus_list_order"),
        ]

    def __str__(self):
        return self.get_colour_display()

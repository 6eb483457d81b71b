from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel

from ..choices import TeamKind
from .base import VolunteerScopedManager


class Team(ScopedModel):
    """志愿队伍: a commando team (突击队), temporary party branch (临时党支部) or service team."""

    self_field = "members__user"

    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="volunteer_teams",
        verbose_name=_("所属区域"),
    )
    name = models.CharField(_("队伍名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=TeamKind.choices)
    leader = models.ForeignKey(
        "volunteers.Volunteer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_teams",
        verbose_name=_("负责人"),
    )
    members = models.ManyToManyField(
        "volunteers.Volunteer", blank=True, related_name="teams", verbose_name=_("成员")
    )
    notes = models.TextField(_("备注"), blank=True)

    objects = VolunteerScopedManager()

    class Meta:
        verbose_name = _("志愿队伍")
        verbose_name_plural = _("志愿队伍")
        ordering = ["area", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="team_unique_name")]

    def __str__(self):
        return self.name

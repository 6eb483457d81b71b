"""包联: a party member (a volunteer of the community) assigned to a building or a household.

Communities give each household a party member who looks after it — visits it, calls it,
reports a quarantined member's temperature (党员包联居民、包联楼栋). The member sees only what
they are assigned; staff see the assignments of their area. The grid is kept on the row for
scoping and follows its building or household when that moves (``services.follow``).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel
from fangkong.volunteers.choices import PoolState
from fangkong.volunteers.models.base import VolunteerScopedManager

# A party member looks after their households while in the pool (在岗 or 储备); a suspended
# one's pairings stay on record but cover nobody until the community assigns someone else.
SERVING = (PoolState.ACTIVE, PoolState.RESERVE)


class Pairing(ScopedModel):
    """包联关系: one volunteer, one building (all its households) or one household."""

    # A volunteer's own rows (``VolunteerScopedQuerySet``): a party member sees their pairings.
    self_field = "volunteer__user"

    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        on_delete=models.PROTECT,
        related_name="pairings",
        verbose_name=_("包联党员"),
    )
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="pairings", verbose_name=_("网格")
    )
    building = models.ForeignKey(
        "registry.Building",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pairings",
        verbose_name=_("包联楼栋"),
    )
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pairings",
        verbose_name=_("包联户"),
    )
    notes = models.CharField(_("备注"), max_length=200, blank=True)

    objects = VolunteerScopedManager()

    class Meta:
        verbose_name = _("包联")
        verbose_name_plural = _("包联")
        ordering = ["area", "building", "household", "id"]
        permissions = [
            ("import_pairing", _("导入包联")),
            ("export_pairing", _("导出包联")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(building__isnull=True, household__isnull=False)
                | Q(building__isnull=False, household__isnull=True),
                name="pairing_one_target",
            ),
            models.UniqueConstraint(
                fields=["volunteer", "building"],
                condition=Q(building__isnull=False),
                name="pairing_building_once",
            ),
            models.UniqueConstraint(
                fields=["volunteer", "household"],
                condition=Q(household__isnull=False),
                name="pairing_household_once",
            ),
        ]
        indexes = [
            models.Index(fields=["building"], name="pairing_building"),
            models.Index(fields=["household"], name="pairing_household"),
        ]

    def __str__(self):
        return f"{self.volunteer.audit_repr()} · {self.target_label}"

    def audit_repr(self) -> str:
        return str(self)

    @property
    def target_label(self) -> str:
        if self.building_id:
            return str(_("%(building)s（整栋）") % {"building": self.building.name})
        household = self.household
        if household.building_id:
            return f"{household.building.name} {household.number}"
        return household.number

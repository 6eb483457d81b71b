from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel
from fangkong.core.personal import EncryptedTextField

from ..choices import VisitOutcome


class Visit(ScopedModel):
    """入户走访: a grid worker's visit to a household for a campaign; the first conclusive one
    (found in, moved out) settles the household for good (``selectors.settling_visits``)."""

    scope_field = "household__area"

    campaign = models.ForeignKey(
        "screening.Campaign",
        on_delete=models.CASCADE,
        related_name="visits",
        verbose_name=_("摸排行动"),
    )
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="screening_visits",
        verbose_name=_("户"),
    )
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("走访人"),
    )
    visited_at = models.DateTimeField(_("走访时间"))
    outcome = models.CharField(_("结果"), max_length=16, choices=VisitOutcome.choices)
    people_found = models.PositiveSmallIntegerField(_("在户人数"), default=0)
    new_people = models.PositiveSmallIntegerField(_("新发现人数"), default=0)
    notes = EncryptedTextField(_("备注"), kind="text")

    class Meta:
        verbose_name = _("入户走访")
        verbose_name_plural = _("入户走访")
        ordering = ["-visited_at", "-id"]
        # A household's visits (``selectors._standing_visit``) read from the index alone: the
        # coverage asks it for every household of a city.
        indexes = [
            models.Index(
                fields=["campaign", "household", "visited_at", "id", "outcome"],
                name="visit_latest_lookup",
            ),
            # The list's order: a city-wide first page reads 50 index entries, not a sort.
            models.Index(fields=["-visited_at", "-id"], name="visit_list_order"),
        ]

    def __str__(self):
        return f"{self.household_id} {self.get_outcome_display()}"

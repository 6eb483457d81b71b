from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.kept_area import KeptArea, kept_area_field
from fangkong.core.models import ScopedModel

from ..choices import FindingKind


class Finding(ScopedModel):
    """摸排发现: a person a campaign found (a returnee, an inflow…), once per campaign."""

    scope_field = "resident__area"
    # Counted by the resident's area kept on the row (``core.kept_area``): city figures.
    count_scope_field = "resident_area"
    kept_area = KeptArea(name="screening_finding_area", source="screening_finding")

    campaign = models.ForeignKey(
        "screening.Campaign",
        on_delete=models.CASCADE,
        related_name="findings",
        verbose_name=_("摸排行动"),
    )
    resident = models.ForeignKey(
        "registry.Resident",
        on_delete=models.PROTECT,
        related_name="screening_findings",
        verbose_name=_("居民"),
    )
    resident_area = kept_area_field()
    visit = models.ForeignKey(
        "screening.Visit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("走访记录"),
    )
    kind = models.CharField(_("类别"), max_length=16, choices=FindingKind.choices)
    found_at = models.DateTimeField(_("发现时间"))
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发现人"),
    )

    class Meta:
        verbose_name = _("摸排发现")
        verbose_name_plural = _("摸排发现")
        ordering = ["-found_at", "-id"]
        indexes = [
            # The list's order: a city-wide first page reads 50 index entries, not a sort.
            models.Index(fields=["-found_at", "-id"], name="finding_list_order"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "resident"], name="finding_unique")
        ]

    def __str__(self):
        return f"{self.campaign_id} {self.get_kind_display()}"

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel


class Handover(ScopedModel):
    """交接班记录: notes the outgoing person hands to the incoming one, who acknowledges."""

    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("值班单位")
    )
    shift = models.ForeignKey(
        "duty.Shift",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="handovers",
        verbose_name=_("交班班次"),
    )
    outgoing = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("交班人"),
    )
    incoming = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("接班人"),
    )
    handed_at = models.DateTimeField(_("交班时间"))
    notes = models.TextField(_("交班情况"))
    # Open items of the unit at hand-over time, kept so the record never changes afterwards.
    carried_items = models.ManyToManyField(
        "duty.HandoverItem", blank=True, related_name="carried_in", verbose_name=_("延续事项")
    )
    acknowledged_at = models.DateTimeField(_("接班确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("交接班记录")
        verbose_name_plural = _("交接班记录")
        ordering = ["-handed_at", "-id"]
        indexes = [models.Index(fields=["area", "handed_at"], name="duty_handover_area_time")]

    def __str__(self):
        return f"{self.outgoing} → {self.incoming}"


class HandoverItem(ScopedModel):
    """交接事项: an open item raised at a handover, carried over until someone closes it."""

    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("值班单位")
    )
    handover = models.ForeignKey(
        Handover, on_delete=models.CASCADE, related_name="items", verbose_name=_("提出于")
    )
    text = models.CharField(_("事项"), max_length=300)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("办结人"),
    )
    close_note = models.CharField(_("办结说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("交接事项")
        verbose_name_plural = _("交接事项")
        ordering = ["id"]
        indexes = [models.Index(fields=["area", "closed_at"], name="duty_item_area_open")]

    def __str__(self):
        return self.text

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

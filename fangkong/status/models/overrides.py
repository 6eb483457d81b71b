from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel
from fangkong.core.personal import mask_name

from ..choices import Colour, OverrideState


class StatusOverride(ScopedModel):
    """人工调整: a colour set by hand for a while; wins over the rules once a second,
    higher-ranked user approves it."""

    scope_field = "resident__area"

    resident = models.ForeignKey(
        "registry.Resident",
        on_delete=models.CASCADE,
        related_name="status_overrides",
        verbose_name=_("居民"),
    )
    colour = models.CharField(_("调整为"), max_length=8, choices=Colour.choices)
    reason = models.TextField(_("调整原因"))
    expires_at = models.DateTimeField(_("有效至"))
    state = models.CharField(
        _("审批状态"), max_length=16, choices=OverrideState.choices, default=OverrideState.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申请人"),
    )
    requested_at = models.DateTimeField(_("申请时间"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("批准人"),
    )
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("驳回人"),
    )
    rejected_at = models.DateTimeField(_("驳回时间"), null=True, blank=True)
    rejection_note = models.TextField(_("驳回说明"), blank=True)

    class Meta:
        verbose_name = _("状态人工调整")
        verbose_name_plural = _("状态人工调整")
        ordering = ["-requested_at", "-id"]
        permissions = [("approve_statusoverride", _("审批状态人工调整"))]
        indexes = [
            models.Index(fields=["resident", "state", "expires_at"], name="override_effective")
        ]

    def __str__(self):
        return f"{self.get_colour_display()} {self.get_state_display()}"

    def audit_repr(self) -> str:
        return f"{mask_name(self.resident.name)} {self.get_colour_display()}"

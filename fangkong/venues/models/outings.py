from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel
from fangkong.core.personal import EncryptedTextField, mask_name

from ..choices import ApprovalState


class OutingApproval(ScopedModel):
    """外出审批报备: a person under closed-loop management asks to go out for a while."""

    scope_field = "resident__area"

    resident = models.ForeignKey(
        "registry.Resident",
        on_delete=models.PROTECT,
        related_name="outing_approvals",
        verbose_name=_("居民"),
    )
    assignment = models.ForeignKey(
        "health.Assignment",
        on_delete=models.PROTECT,
        related_name="outing_approvals",
        verbose_name=_("闭环管理安排"),
    )
    # The reason may carry health details (就医、透析…): encrypted like other health notes.
    reason = EncryptedTextField(_("外出事由"), kind="text")
    destination = models.CharField(_("目的地"), max_length=200)
    starts_at = models.DateTimeField(_("外出开始"))
    ends_at = models.DateTimeField(_("返回时间"))
    state = models.CharField(
        _("审批状态"), max_length=16, choices=ApprovalState.choices, default=ApprovalState.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申请登记人"),
    )
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    # 撤销: the plan changed (the person will not go, the times were wrong); an approved pass
    # stops counting at checkpoints. The approval above stays on record.
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("撤销人"),
    )
    cancelled_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    cancel_note = models.TextField(_("撤销原因"), blank=True)

    class Meta:
        verbose_name = _("外出审批报备")
        verbose_name_plural = _("外出审批报备")
        ordering = ["-requested_at", "-id"]
        permissions = [("approve_outingapproval", _("审批外出申请"))]
        indexes = [
            models.Index(fields=["resident", "state", "starts_at"], name="outing_resident_state"),
            models.Index(fields=["state", "requested_at"], name="outing_state_requested"),
        ]

    def __str__(self):
        return f"{self.destination} {self.get_state_display()}"

    def audit_repr(self) -> str:
        return f"{mask_name(self.resident.name)} {self.get_state_display()}"

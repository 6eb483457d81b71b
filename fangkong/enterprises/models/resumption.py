from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import ApplicationState
from .base import EnterpriseRecord


class ResumptionApplication(EnterpriseRecord):
    """复工申请: what an enterprise has in place before it may resume work."""

    employees_expected = models.PositiveIntegerField(_("预计返岗人数"))
    prevention_plan = models.TextField(_("防控方案"))
    masks = models.PositiveIntegerField(_("口罩（只）"), default=0)
    thermometers = models.PositiveIntegerField(_("体温计（支）"), default=0)
    disinfectant_kg = models.PositiveIntegerField(_("消毒液（公斤）"), default=0)
    has_isolation_room = models.BooleanField(_("设有隔离观察室"), default=False)
    state = models.CharField(
        _("状态"),
        max_length=16,
        choices=ApplicationState.choices,
        default=ApplicationState.SUBMITTED,
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申请人"),
    )
    submitted_at = models.DateTimeField(_("提交时间"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审批人"),
    )
    reviewed_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    conditions = models.TextField(_("复工条件/要求"), blank=True)
    review_note = models.TextField(_("退回原因"), blank=True)

    class Meta:
        verbose_name = _("复工申请")
        verbose_name_plural = _("复工申请")
        ordering = ["-submitted_at", "-id"]
        permissions = [("review_resumptionapplication", _("审批复工申请"))]
        indexes = [models.Index(fields=["state", "submitted_at"], name="resumption_state_at")]

    def __str__(self):
        return f"{self.enterprise} {self.get_state_display()}"

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel

from ..choices import AlertKind, Slot


class Alert(ScopedModel):
    """健康预警: fever, a symptom or a missed check-in, for the assignment's responsible staff.

    One alert per assignment, slot and kind, so raising it again is a no-op.
    """

    scope_field = "assignment__resident__area"

    assignment = models.ForeignKey(
        "health.Assignment",
        on_delete=models.CASCADE,
        related_name="alerts",
        verbose_name=_("隔离/监测安排"),
    )
    kind = models.CharField(_("类型"), max_length=16, choices=AlertKind.choices)
    date = models.DateField(_("日期"))
    slot = models.CharField(_("时段"), max_length=2, choices=Slot.choices)
    checkin = models.ForeignKey(
        "health.CheckIn",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("打卡记录"),
    )
    message = models.CharField(_("内容"), max_length=200)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
    )
    acknowledged_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("健康预警")
        verbose_name_plural = _("健康预警")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "date", "slot", "kind"], name="alert_unique_per_slot"
            )
        ]
        indexes = [
            models.Index(fields=["acknowledged_at"], name="alert_open"),
            models.Index(fields=["-created_at", "-id"], name="alert_list_order"),  # the list
        ]

    def __str__(self):
        return self.message

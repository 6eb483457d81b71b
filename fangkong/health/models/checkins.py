from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel

from ..choices import CheckInSource, Slot, Symptom


class CheckIn(ScopedModel):
    """健康打卡: one temperature and symptom report for a half-day slot of an assignment."""

    scope_field = "assignment__resident__area"

    assignment = models.ForeignKey(
        "health.Assignment",
        on_delete=models.CASCADE,
        related_name="checkins",
        verbose_name=_("隔离/监测安排"),
    )
    date = models.DateField(_("日期"))
    slot = models.CharField(_("时段"), max_length=2, choices=Slot.choices)
    temperature = models.DecimalField(_("体温(℃)"), max_digits=3, decimal_places=1)
    # Stored as ",cough,fatigue," so one LIKE finds a symptom on every database.
    symptoms = models.CharField(_("症状"), max_length=255, blank=True, default="")
    source = models.CharField(_("填报方式"), max_length=8, choices=CheckInSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("填报人"),
    )
    recorded_at = models.DateTimeField(_("填报时间"))

    class Meta:
        verbose_name = _("健康打卡")
        verbose_name_plural = _("健康打卡")
        ordering = ["-date", "-slot"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "date", "slot"], name="checkin_unique_slot"
            )
        ]

    def __str__(self):
        return f"{self.date} {self.get_slot_display()} {self.temperature}"

    @property
    def symptom_list(self) -> list[str]:
        return [s for s in self.symptoms.split(",") if s]

    def symptom_labels(self) -> list[str]:
        labels = dict(Symptom.choices)
        return [str(labels.get(s, s)) for s in self.symptom_list]

from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel

from ..choices import TaskState, VisitMode


class InspectionTask(ScopedModel):
    """督导任务: a group is sent to inspect an area on or by a date, announced or not."""

    group = models.ForeignKey(
        "supervision.InspectionGroup",
        on_delete=models.PROTECT,
        related_name="tasks",
        verbose_name=_("督导组"),
    )
    title = models.CharField(_("任务"), max_length=200)
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("督导区域")
    )
    mode = models.CharField(
        _("方式"), max_length=16, choices=VisitMode.choices, default=VisitMode.ANNOUNCED
    )
    planned_date = models.DateField(_("计划日期"))
    checklist = models.ForeignKey(
        "supervision.ChecklistTemplate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("检查清单"),
    )
    state = models.CharField(
        _("状态"), max_length=16, choices=TaskState.choices, default=TaskState.PLANNED
    )

    class Meta:
        verbose_name = _("督导任务")
        verbose_name_plural = _("督导任务")
        ordering = ["-planned_date", "-id"]

    def __str__(self):
        return self.title

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel

from ..choices import AnswerResult, TargetKind, VisitMode


class Visit(ScopedModel):
    """检查记录: one visit (明查/暗访) of a group to a community or street, or to a named
    checkpoint, enterprise or venue in it.

    The target is the visit's ``area`` (which scopes it) plus a kind and a name as text: the
    checkpoint, enterprise and venue registries are separate modules, and a text reference
    keeps the visit readable and correctly scoped whatever those modules become.
    """

    task = models.ForeignKey(
        "supervision.InspectionTask",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("督导任务"),
    )
    group = models.ForeignKey(
        "supervision.InspectionGroup",
        on_delete=models.PROTECT,
        related_name="visits",
        verbose_name=_("督导组"),
    )
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("检查区域")
    )
    target_kind = models.CharField(
        _("检查对象类型"), max_length=16, choices=TargetKind.choices, default=TargetKind.AREA
    )
    target_name = models.CharField(_("检查对象"), max_length=200, blank=True)
    mode = models.CharField(
        _("方式"), max_length=16, choices=VisitMode.choices, default=VisitMode.ANNOUNCED
    )
    visited_on = models.DateField(_("检查日期"))
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("检查人"),
    )
    checklist = models.ForeignKey(
        "supervision.ChecklistTemplate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("检查清单"),
    )
    summary = models.TextField(_("检查情况"), blank=True)

    class Meta:
        verbose_name = _("检查记录")
        verbose_name_plural = _("检查记录")
        ordering = ["-visited_on", "-id"]
        indexes = [models.Index(fields=["visited_on"], name="visit_date")]

    def __str__(self):
        target = self.target_name or self.area.name
        return f"{self.visited_on:%Y-%m-%d} {target}"


class ChecklistAnswer(ScopedModel):
    """检查项结果: the answer to one checklist item on one visit."""

    scope_field = "visit__area"

    visit = models.ForeignKey(
        Visit, on_delete=models.CASCADE, related_name="answers", verbose_name=_("检查记录")
    )
    item = models.ForeignKey(
        "supervision.ChecklistItem",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("检查项"),
    )
    result = models.CharField(_("结果"), max_length=8, choices=AnswerResult.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("检查项结果")
        verbose_name_plural = _("检查项结果")
        ordering = ["visit_id", "item__position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "item"], name="answer_once_per_item")
        ]

    def __str__(self):
        return f"{self.item_id}: {self.result}"

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel

from ..choices import ProblemAction, ProblemState, Severity


class Problem(ScopedModel):
    """问题: a finding to be rectified by the responsible unit (``area``) by the deadline.

    Its life is ``ProblemState`` (待整改 → 待核查 → 已销号, or back to 待整改); overdue is
    derived from the deadline; escalation records the higher level that now follows it.
    """

    visit = models.ForeignKey(
        "supervision.Visit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="problems",
        verbose_name=_("检查记录"),
    )
    group = models.ForeignKey(
        "supervision.InspectionGroup",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="problems",
        verbose_name=_("督导组"),
    )
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("责任单位")
    )
    title = models.CharField(_("问题"), max_length=200)
    description = models.TextField(_("问题描述"), blank=True)
    severity = models.CharField(
        _("严重程度"), max_length=8, choices=Severity.choices, default=Severity.LOW
    )
    deadline = models.DateField(_("整改期限"))
    state = models.CharField(
        _("状态"), max_length=16, choices=ProblemState.choices, default=ProblemState.OPEN
    )
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("发现人"),
    )
    found_on = models.DateField(_("发现日期"))
    rectified_at = models.DateTimeField(_("整改提交时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    escalation_level = models.PositiveSmallIntegerField(_("升级次数"), default=0)
    escalated_to = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("升级至"),
    )
    escalated_on = models.DateField(_("升级日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题台账")
        ordering = ["-found_on", "-id"]
        permissions = [
            ("rectify_problem", _("提交问题整改")),
            ("verify_problem", _("核查销号或退回问题")),
            ("export_problem", _("导出问题台账")),
        ]
        indexes = [
            models.Index(fields=["state", "deadline"], name="problem_state_deadline"),
            models.Index(fields=["found_on"], name="problem_found_on"),
        ]

    def __str__(self):
        return self.title

    def is_overdue(self, today) -> bool:
        return self.state != ProblemState.CLOSED and self.deadline < today


class ProblemEvent(ScopedModel):
    """问题处理记录: one step of a problem's life, with the note and who took it."""

    scope_field = "problem__area"

    problem = models.ForeignKey(
        Problem, on_delete=models.CASCADE, related_name="events", verbose_name=_("问题")
    )
    action = models.CharField(_("操作"), max_length=16, choices=ProblemAction.choices)
    from_state = models.CharField(
        _("原状态"), max_length=16, choices=ProblemState.choices, blank=True
    )
    to_state = models.CharField(_("新状态"), max_length=16, choices=ProblemState.choices)
    note = models.TextField(_("说明"), blank=True)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    escalated_to = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("升级至"),
    )

    class Meta:
        verbose_name = _("问题处理记录")
        verbose_name_plural = _("问题处理记录")
        ordering = ["problem_id", "created_at", "id"]

    def __str__(self):
        return f"{self.get_action_display()}"

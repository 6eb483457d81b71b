from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel
from fangkong.formats import moment

from ..choices import AssignmentState, NeedKind, NeedState
from .base import VolunteerScopedManager


class Need(ScopedModel):
    """岗位需求: a post a community needs volunteers for, with time, place and skills."""

    self_field = "assignments__volunteer__user"

    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="volunteer_needs",
        verbose_name=_("社区/网格"),
    )
    kind = models.CharField(_("岗位类型"), max_length=16, choices=NeedKind.choices)
    title = models.CharField(_("岗位名称"), max_length=100)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    headcount = models.PositiveSmallIntegerField(_("需要人数"))
    required_skills = models.CharField(_("所需技能"), max_length=255, blank=True, default="")
    state = models.CharField(
        _("状态"), max_length=16, choices=NeedState.choices, default=NeedState.OPEN
    )
    notes = models.TextField(_("备注"), blank=True)

    objects = VolunteerScopedManager()

    class Meta:
        verbose_name = _("岗位需求")
        verbose_name_plural = _("岗位需求")
        ordering = ["starts_at", "id"]
        permissions = [
            ("dispatch_need", _("派遣志愿者")),
            ("export_need", _("导出岗位需求")),
        ]
        indexes = [models.Index(fields=["area", "state"], name="need_area_state")]

    def __str__(self):
        return self.title


class DispatchBatch(ScopedModel):
    """派遣批次: volunteers sent to several needs at once (首批 30 名下沉 4 个社区)."""

    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="dispatch_batches",
        verbose_name=_("派遣单位区域"),
    )
    name = models.CharField(_("批次名称"), max_length=100)
    notes = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("派遣人"),
    )

    objects = VolunteerScopedManager()

    class Meta:
        verbose_name = _("派遣批次")
        verbose_name_plural = _("派遣批次")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.name


class Assignment(ScopedModel):
    """任务: one volunteer dispatched to one need; the volunteer accepts or declines it."""

    scope_field = "need__area"
    self_field = "volunteer__user"

    need = models.ForeignKey(
        Need, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("岗位")
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("志愿者"),
    )
    batch = models.ForeignKey(
        DispatchBatch,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("派遣批次"),
    )
    state = models.CharField(
        _("状态"),
        max_length=16,
        choices=AssignmentState.choices,
        default=AssignmentState.OFFERED,
    )
    score = models.DecimalField(_("匹配得分"), max_digits=5, decimal_places=1, default=0)
    reason = models.CharField(_("推荐理由"), max_length=500, blank=True)
    responded_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    decline_reason = models.CharField(_("拒绝原因"), max_length=200, blank=True)

    objects = VolunteerScopedManager()

    class Meta:
        verbose_name = _("志愿任务")
        verbose_name_plural = _("志愿任务")
        ordering = ["need__starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["need", "volunteer"], name="assignment_once")
        ]
        indexes = [models.Index(fields=["volunteer", "state"], name="assignment_vol_state")]

    def __str__(self):
        return f"{self.need} · {self.volunteer.audit_repr()}"

    def audit_repr(self) -> str:
        return str(self)


class Shift(ScopedModel):
    """服务记录: one check-in/check-out on an assignment; its minutes are derived at check-out."""

    scope_field = "assignment__need__area"
    self_field = "assignment__volunteer__user"

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("任务")
    )
    started_at = models.DateTimeField(_("签到时间"))
    ended_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    # Computed by ``services.check_out`` from the two times, never entered.
    minutes = models.PositiveIntegerField(
        _("服务时长(分钟)"), null=True, blank=True, editable=False
    )

    objects = VolunteerScopedManager()

    class Meta:
        verbose_name = _("服务记录")
        verbose_name_plural = _("服务记录")
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.assignment} {moment(self.started_at)}"

    def audit_repr(self) -> str:
        return str(self)

    @property
    def hours(self):
        return None if self.minutes is None else round(self.minutes / 60, 1)

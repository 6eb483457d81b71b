from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import ProblemState
from .base import EnterpriseRecord


class LiaisonAssignment(EnterpriseRecord):
    """驻企联络员派驻: a liaison officer stationed at an enterprise for a period."""

    liaison = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="liaison_assignments",
        verbose_name=_("联络员"),
    )
    start_date = models.DateField(_("派驻开始"))
    end_date = models.DateField(_("派驻结束"), null=True, blank=True)
    notes = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("联络员派驻")
        verbose_name_plural = _("联络员派驻")
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["liaison", "start_date"], name="liaison_assign_start")]

    def __str__(self):
        return f"{self.liaison} → {self.enterprise}"


class Inspection(EnterpriseRecord):
    """驻企检查: a liaison officer's visit with the prevention checklist answered."""

    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("检查人"),
    )
    inspected_on = models.DateField(_("检查日期"))
    masks_worn = models.BooleanField(_("员工规范佩戴口罩"), default=False)
    temperature_checked = models.BooleanField(_("进厂测温登记"), default=False)
    disinfection_done = models.BooleanField(_("按时消毒通风"), default=False)
    distancing = models.BooleanField(_("就餐和工位保持间距"), default=False)
    isolation_room_ready = models.BooleanField(_("隔离观察室可用"), default=False)
    supplies_sufficient = models.BooleanField(_("防疫物资充足"), default=False)
    notes = models.TextField(_("检查情况"), blank=True)

    CHECKLIST = (
        "masks_worn",
        "temperature_checked",
        "disinfection_done",
        "distancing",
        "isolation_room_ready",
        "supplies_sufficient",
    )

    class Meta:
        verbose_name = _("驻企检查")
        verbose_name_plural = _("驻企检查")
        ordering = ["-inspected_on", "-id"]

    def __str__(self):
        return f"{self.enterprise} {self.inspected_on}"

    @property
    def passed_count(self) -> int:
        return sum(1 for name in self.CHECKLIST if getattr(self, name))


class InspectionProblem(EnterpriseRecord):
    """检查发现问题: an enterprise-local problem, open until rectified."""

    inspection = models.ForeignKey(
        Inspection,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="problems",
        verbose_name=_("检查记录"),
    )
    description = models.TextField(_("问题描述"))
    deadline = models.DateField(_("整改期限"), null=True, blank=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=ProblemState.choices, default=ProblemState.OPEN
    )
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发现人"),
    )
    rectified_at = models.DateTimeField(_("整改时间"), null=True, blank=True)
    rectification = models.TextField(_("整改情况"), blank=True)

    class Meta:
        verbose_name = _("企业问题")
        verbose_name_plural = _("企业问题")
        ordering = ["state", "-id"]
        indexes = [models.Index(fields=["enterprise", "state"], name="entproblem_ent_state")]

    def __str__(self):
        return self.description[:40]

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel

from ..choices import DutyRole


class Shift(ScopedModel):
    """值班班次: one person on duty for a unit from ``start`` to ``end`` (half-open)."""

    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("值班单位")
    )
    group = models.ForeignKey(
        "duty.WorkingGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="shifts",
        verbose_name=_("专班"),
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="duty_shifts",
        verbose_name=_("值班人员"),
    )
    role = models.CharField(
        _("值班角色"), max_length=16, choices=DutyRole.choices, default=DutyRole.OFFICER
    )
    start = models.DateTimeField(_("开始时间"))
    end = models.DateTimeField(_("结束时间"))
    # The number the unit is reached on during the shift (a duty line or a work mobile), as
    # every posted 值班表 lists it: a work contact shown to colleagues, not personal data.
    phone = models.CharField(_("值班电话"), max_length=20, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    # 替班: ``person`` is whoever holds the shift; ``covered_for`` is the person the posted
    # roster named, kept (with why) while a colleague covers, so inspectors can see it.
    covered_for = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("原排班人员"),
    )
    cover_reason = models.CharField(_("替班原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("值班班次")
        verbose_name_plural = _("值班班次")
        ordering = ["start", "id"]
        permissions = [("import_shift", _("导入值班表")), ("export_shift", _("导出值班表"))]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="duty_shift_end_after")
        ]
        indexes = [
            models.Index(fields=["area", "start"], name="duty_shift_area_start"),
            models.Index(fields=["person", "start"], name="duty_shift_person_start"),
        ]

    def __str__(self):
        start, end = timezone.localtime(self.start), timezone.localtime(self.end)
        return f"{self.person} {start:%m-%d %H:%M}–{end:%m-%d %H:%M}"

    def on_duty_label(self) -> str:
        """Who holds the shift, and whom they cover: 王五（替 李四）."""
        if self.covered_for_id is None:
            return self.person.display_name
        return gettext("%(person)s（替 %(scheduled)s）") % {
            "person": self.person.display_name,
            "scheduled": self.covered_for.display_name,
        }

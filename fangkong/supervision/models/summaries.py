from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel


class ProblemSummary(ScopedModel):
    """问题日汇总: problems opened, closed, overdue and open per unit of an area, as of a date.

    Stored when generated (by ``fangkong problem-summary`` at the set time, or on demand), so
    the day's figures stay as they were reported.
    """

    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("汇总区域")
    )
    date = models.DateField(_("日期"))
    rows = models.JSONField(_("明细"), default=list)
    totals = models.JSONField(_("合计"), default=dict)
    generated_at = models.DateTimeField(_("生成时间"))
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("生成人"),
    )

    class Meta:
        verbose_name = _("问题日汇总")
        verbose_name_plural = _("问题日汇总")
        ordering = ["-date", "area__path"]
        constraints = [
            models.UniqueConstraint(fields=["area", "date"], name="summary_once_per_day")
        ]

    def __str__(self):
        return f"{self.area.name} {self.date:%Y-%m-%d}"

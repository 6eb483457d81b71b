from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import EnterpriseRecord


class DailyReport(EnterpriseRecord):
    """企业日报: one per enterprise per day."""

    date = models.DateField(_("日期"))
    people_on_site = models.PositiveIntegerField(_("在岗人数"))
    temperature_checks = models.PositiveIntegerField(_("测温人次"))
    abnormal_temperatures = models.PositiveIntegerField(_("体温异常人数"), default=0)
    disinfection_done = models.BooleanField(_("已完成消毒"), default=False)
    notes = models.TextField(_("备注"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("填报人"),
    )

    class Meta:
        verbose_name = _("企业日报")
        verbose_name_plural = _("企业日报")
        ordering = ["-date", "enterprise"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "date"], name="dailyreport_ent_date")
        ]

    def __str__(self):
        return f"{self.enterprise} {self.date}"


class ReportReminder(EnterpriseRecord):
    """日报催报: a recorded reminder that an enterprise has not reported for a day."""

    date = models.DateField(_("日报日期"))
    reminded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("催报人"),
    )

    class Meta:
        verbose_name = _("日报催报")
        verbose_name_plural = _("日报催报")
        ordering = ["-date", "enterprise"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "date"], name="reportreminder_ent_date")
        ]

    def __str__(self):
        return f"{self.enterprise} {self.date}"

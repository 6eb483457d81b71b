from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel


class ReportTemplate(ScopedModel):
    """日报模板(一表通): an office's form — which figures, in what order, under which headings.

    ``items`` is an ordered list of ``{"key": figure key, "group": heading, "label": title}``
    (``group`` and ``label`` optional: the figure's own are used), so every department's form
    is filled from the same figures of the registry.
    """

    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("所属单位")
    )
    name = models.CharField(_("模板名称"), max_length=50)
    title = models.CharField(_("报表标题"), max_length=100)
    items = models.JSONField(_("报表项目"), default=list)

    class Meta:
        verbose_name = _("日报模板")
        verbose_name_plural = _("日报模板")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="reporttemplate_area_name")
        ]

    def __str__(self):
        return self.name


class SubmittedReport(ScopedModel):
    """日报报送: the figures of an area's daily report as they stood when it was sent up.

    ``data`` is ``DailyReport.as_data()``, frozen: a record entered late changes the live
    report, never this copy. Sending the same area/day/template again adds a revision (更正)
    with a reason; the newest is the current one (``is_current``), earlier ones stay.
    """

    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("报送单位")
    )
    day = models.DateField(_("报表日期"))
    # The name a report was built with ("default" or a template's): a template may be
    # renamed or deleted later, the copy keeps the name it was sent under.
    template_name = models.CharField(_("报表模板"), max_length=50)
    template = models.ForeignKey(
        ReportTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("模板"),
    )
    title = models.CharField(_("报表标题"), max_length=100)
    revision = models.PositiveSmallIntegerField(_("报送版本"), default=1)
    is_current = models.BooleanField(_("当前版本"), default=True)
    reason = models.CharField(_("更正原因"), max_length=300, blank=True)
    data = models.JSONField(_("报表数据"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("报送人"),
    )
    submitted_at = models.DateTimeField(_("报送时间"))

    class Meta:
        verbose_name = _("已报送日报")
        verbose_name_plural = _("已报送日报")
        ordering = ["-day", "area__path", "template_name", "-revision"]
        permissions = [("submit_submittedreport", _("报送日报"))]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "day", "template_name", "revision"],
                name="submittedreport_revision",
            ),
            models.UniqueConstraint(
                fields=["area", "day", "template_name"],
                condition=models.Q(is_current=True),
                name="submittedreport_one_current",
            ),
        ]
        indexes = [models.Index(fields=["day", "area"], name="submittedreport_day_area")]

    def __str__(self):
        return f"{self.title} {self.day.isoformat()}"

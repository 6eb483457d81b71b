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

from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel


class ChecklistTemplate(ScopedModel):
    """检查清单模板: the points an inspector checks on a visit (卡点值守、测温登记…)."""

    name = models.CharField(_("名称"), max_length=100)
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("制定单位")
    )
    active = models.BooleanField(_("启用"), default=True)

    audit_named = True  # the audit log names it where an entry refers to it

    class Meta:
        verbose_name = _("检查清单")
        verbose_name_plural = _("检查清单")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class ChecklistItem(ScopedModel):
    """检查项: one line of a checklist template."""

    scope_field = "template__area"

    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.CASCADE, related_name="items", verbose_name=_("清单")
    )
    position = models.PositiveSmallIntegerField(_("序号"), default=1)
    text = models.CharField(_("检查内容"), max_length=200)

    class Meta:
        verbose_name = _("检查项")
        verbose_name_plural = _("检查项")
        ordering = ["template_id", "position", "id"]

    def __str__(self):
        return self.text

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel


class InspectionGroup(ScopedModel):
    """督导组: inspectors with a leader, sent to several area subtrees.

    ``area`` is the office that formed the group (whose staff see and manage it);
    ``assigned_areas`` are the subtrees the group inspects.
    """

    name = models.CharField(_("名称"), max_length=100)
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("组建单位")
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_inspection_groups",
        verbose_name=_("组长"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="inspection_groups",
        verbose_name=_("成员"),
    )
    assigned_areas = models.ManyToManyField(
        "areas.Area", blank=True, related_name="inspection_groups", verbose_name=_("督导区域")
    )
    focus = models.CharField(_("督导重点"), max_length=200, blank=True)
    active = models.BooleanField(_("在岗"), default=True)

    audit_named = True  # the audit log names it where an entry refers to it

    class Meta:
        verbose_name = _("督导组")
        verbose_name_plural = _("督导组")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import TimestampedModel


class RiskLevel(TimestampedModel):
    """风险等级: a level an office defines; a higher rank is a higher risk."""

    name = models.CharField(_("名称"), max_length=20, unique=True)
    rank = models.PositiveSmallIntegerField(_("等级序号"), unique=True)
    colour = models.CharField(_("颜色"), max_length=7, default="#999999")

    class Meta:
        verbose_name = _("风险等级")
        verbose_name_plural = _("风险等级")
        ordering = ["rank"]

    def __str__(self):
        return self.name

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel


class StatusPolicy(ScopedModel):
    """赋码策略: the rule parameters for an area and everything below it (the nearest
    ancestor's policy applies; the defaults when there is none)."""

    area = models.OneToOneField(
        "areas.Area", on_delete=models.PROTECT, related_name="status_policy", verbose_name=_("区域")
    )
    contact_days = models.PositiveSmallIntegerField(_("接触者管控天数"), default=14)
    risk_lookback_days = models.PositiveSmallIntegerField(_("风险地区旅居追溯天数"), default=14)
    risk_min_rank = models.PositiveSmallIntegerField(_("赋黄码的最低风险等级序号"), default=2)
    risk_red_rank = models.PositiveSmallIntegerField(
        _("赋红码的最低风险等级序号"), null=True, blank=True
    )
    nat_required_hours = models.PositiveSmallIntegerField(
        _("核酸阴性有效时长(小时)"), null=True, blank=True
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("设置人"),
    )

    class Meta:
        verbose_name = _("赋码策略")
        verbose_name_plural = _("赋码策略")

    def __str__(self):
        return str(self.area)

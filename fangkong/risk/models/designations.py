from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RiskDesignation(models.Model):
    """风险地区认定: a level set on a place from a date; append-only history.

    The place is either an area of the platform's own tree or an external place (a travel
    origin) named by ``place_name`` and optionally a GB/T 2260 code prefix (``4201`` 武汉市,
    ``420106`` 武昌区). Risk levels are public information, so designations are not scoped:
    every signed-in user with the view permission reads all of them. Only ``effective_to``
    is ever written after creation, when a newer designation of the same place closes it.
    """

    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="risk_designations",
        verbose_name=_("本平台区域"),
    )
    place_name = models.CharField(_("地区名称"), max_length=100, blank=True)
    place_code = models.CharField(_("区划代码"), max_length=12, blank=True, db_index=True)
    level = models.ForeignKey(
        "risk.RiskLevel", on_delete=models.PROTECT, related_name="+", verbose_name=_("风险等级")
    )
    effective_from = models.DateTimeField(_("生效时间"))
    effective_to = models.DateTimeField(_("截止时间"), null=True, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("设定人"),
    )
    reason = models.TextField(_("依据"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("风险地区认定")
        verbose_name_plural = _("风险地区认定")
        ordering = ["-effective_from", "-id"]
        indexes = [
            models.Index(fields=["effective_to", "effective_from"], name="riskdesig_period"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(area__isnull=False) | ~Q(place_name="") | ~Q(place_code=""),
                name="riskdesignation_has_place",
            ),
        ]

    def __str__(self):
        return f"{self.place_label} {self.level_id}"

    @property
    def place_label(self) -> str:
        if self.area_id:
            return self.area.name
        if self.place_name and self.place_code:
            return f"{self.place_name}（{self.place_code}）"
        return self.place_name or self.place_code

    def audit_repr(self) -> str:
        return self.place_label

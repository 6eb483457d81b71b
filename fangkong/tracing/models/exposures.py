from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.scoping import ScopedManager
from fangkong.formats import moment

from ..choices import ExposureKind


class Exposure(models.Model):
    """暴露记录: one reason a contact is a contact — a visit overlapping the source's at a
    venue, living with the source — found by the tracer (``tracing.tracer``).

    ``source`` is whom the contact was exposed to: the case for a close contact, a close
    contact for a secondary one. Rewritten each time the case is traced; a contact's state
    (confirmed/dismissed) is kept on ``Contact``.
    """

    scope_field = "contact__resident__area"

    contact = models.ForeignKey(
        "tracing.Contact",
        on_delete=models.CASCADE,
        related_name="exposures",
        verbose_name=_("接触者"),
    )
    kind = models.CharField(_("暴露方式"), max_length=16, choices=ExposureKind.choices)
    source = models.ForeignKey(
        "registry.Resident",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("传播来源"),
    )
    venue = models.ForeignKey(
        "venues.Venue",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("场所"),
    )
    source_start = models.DateTimeField(_("来源进入时间"), null=True, blank=True)
    source_end = models.DateTimeField(_("来源离开时间"), null=True, blank=True)
    contact_start = models.DateTimeField(_("接触者进入时间"), null=True, blank=True)
    contact_end = models.DateTimeField(_("接触者离开时间"), null=True, blank=True)
    overlap_minutes = models.PositiveIntegerField(_("共处分钟"), null=True, blank=True)
    exposed_at = models.DateTimeField(_("暴露时间"))

    objects = ScopedManager()

    class Meta:
        verbose_name = _("暴露记录")
        verbose_name_plural = _("暴露记录")
        ordering = ["exposed_at", "id"]
        # The transmission chain with full names, for 协查 with other districts.
        permissions = [("export_personal_exposure", _("导出未脱敏的传播链"))]

    def __str__(self):
        return f"{self.get_kind_display()} {moment(self.exposed_at)}"

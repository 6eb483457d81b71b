from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel

from ..choices import NatResult, NatReview


class NucleicAcidTest(ScopedModel):
    """核酸检测: one sample of a resident and its result from the testing institution."""

    scope_field = "resident__area"

    resident = models.ForeignKey(
        "registry.Resident",
        on_delete=models.PROTECT,
        related_name="nat_tests",
        verbose_name=_("居民"),
    )
    sampled_at = models.DateTimeField(_("采样时间"))
    result = models.CharField(
        _("结果"), max_length=16, choices=NatResult.choices, default=NatResult.PENDING
    )
    institution = models.CharField(_("检测机构"), max_length=100)
    reported_at = models.DateTimeField(_("报告时间"), null=True, blank=True)
    review = models.CharField(
        _("阳性复核"), max_length=16, choices=NatReview.choices, blank=True, default=""
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("复核人"),
    )
    reviewed_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    review_note = models.TextField(_("复核说明"), blank=True)

    class Meta:
        verbose_name = _("核酸检测")
        verbose_name_plural = _("核酸检测")
        ordering = ["-sampled_at", "-id"]
        permissions = [("review_nucleicacidtest", _("复核核酸阳性结果"))]
        indexes = [
            models.Index(fields=["resident", "result", "sampled_at"], name="nat_resident_result"),
            # The list's order: a city-wide first page reads 50 index entries, not a sort.
            models.Index(fields=["-sampled_at", "-id"], name="nat_list_order"),
            # 阳性待复核 on the reviewers' home page: the few unreviewed positives among a
            # city's millions of tests, counted without reading the others.
            models.Index(
                fields=["resident"],
                condition=models.Q(result=NatResult.POSITIVE, review=NatReview.NONE),
                name="nat_awaiting_review",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "sampled_at", "institution"], name="nat_unique_sample"
            )
        ]

    def __str__(self):
        return f"{timezone.localtime(self.sampled_at):%Y-%m-%d %H:%M} {self.get_result_display()}"

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel

from ..choices import PhotoKind


class Photo(ScopedModel):
    """照片: taken on a visit or as rectification evidence; served only to staff in scope.

    ``area`` is copied from the visit or problem so one lookup scopes the file.
    """

    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("区域")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=PhotoKind.choices)
    visit = models.ForeignKey(
        "supervision.Visit",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="photos",
        verbose_name=_("检查记录"),
    )
    problem = models.ForeignKey(
        "supervision.Problem",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="photos",
        verbose_name=_("问题"),
    )
    event = models.ForeignKey(
        "supervision.ProblemEvent",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="photos",
        verbose_name=_("处理记录"),
    )
    image = models.FileField(_("照片"), upload_to="supervision/", max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("上传人"),
    )

    class Meta:
        verbose_name = _("照片")
        verbose_name_plural = _("照片")
        ordering = ["id"]

    def __str__(self):
        return self.image.name.rsplit("/", 1)[-1]

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel
from fangkong.core.personal import EncryptedTextField

from ..choices import TipCategory, TipState


class Tip(ScopedModel):
    """举报线索: a clue from the public, triaged to the responsible area and verified there.

    Submitted without an area it belongs to the root area until triage assigns it. The
    tip-giver's name and phone are encrypted and shown only to holders of ``view_tipster``;
    ``client_key`` is a keyed hash of the submitting address, kept for rate limiting only.
    """

    receipt_code = models.CharField(_("回执码"), max_length=16, unique=True, editable=False)
    category = models.CharField(_("线索类别"), max_length=16, choices=TipCategory.choices)
    description = models.TextField(_("线索内容"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("所属区域")
    )
    anonymous = models.BooleanField(_("匿名"), default=True)
    contact_name = EncryptedTextField(_("举报人姓名"), kind="name")
    contact_phone = EncryptedTextField(_("举报人电话"), kind="phone")
    client_key = models.CharField(max_length=64, editable=False, db_index=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=TipState.choices, default=TipState.NEW
    )
    triage_note = models.CharField(_("分拣意见"), max_length=500, blank=True)
    outcome = models.TextField(_("核查结果"), blank=True)
    assigned_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    verified_at = models.DateTimeField(_("核查完成时间"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("经办人"),
    )

    class Meta:
        verbose_name = _("举报线索")
        verbose_name_plural = _("举报线索")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("view_tipster", _("查看举报人身份")),
            ("export_tip", _("导出举报线索")),
        ]
        indexes = [models.Index(fields=["client_key", "created_at"], name="tip_client_recent")]

    def __str__(self):
        return self.receipt_code

    def audit_repr(self) -> str:
        return f"{self.receipt_code} {self.get_category_display()}"


class TipPhoto(ScopedModel):
    """线索照片: uploaded with a tip; seen only by staff in the tip's area."""

    scope_field = "tip__area"

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("照片"), upload_to="tips/", max_length=200)

    class Meta:
        verbose_name = _("线索照片")
        verbose_name_plural = _("线索照片")
        ordering = ["id"]

    def __str__(self):
        return self.image.name.rsplit("/", 1)[-1]

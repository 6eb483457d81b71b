import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel
from fangkong.core.personal import EncryptedTextField
from fangkong.health.models.certificates import CODE_ALPHABET

from ..choices import DonationKind, DonorKind

RECEIPT_CODE_LENGTH = 16


def new_receipt_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(RECEIPT_CODE_LENGTH))


class Donation(ScopedModel):
    """捐赠: money (into a fund) or goods (into a warehouse as lots), with a receipt."""

    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="donations", verbose_name=_("受赠区域")
    )
    kind = models.CharField(_("捐赠类型"), max_length=8, choices=DonationKind.choices)
    donor_kind = models.CharField(_("捐赠方类型"), max_length=16, choices=DonorKind.choices)
    donor_name = models.CharField(_("捐赠方"), max_length=100)
    donor_contact = EncryptedTextField(_("联系电话"), kind="phone", blank=True)
    channel = models.CharField(
        _("捐赠渠道"), max_length=100, blank=True, help_text=_("经由哪个部门/组织，如 市住建局")
    )
    intended_use = models.CharField(_("指定用途"), max_length=200, blank=True)
    date = models.DateField(_("捐赠日期"))
    amount = models.DecimalField(
        _("金额(元)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    fund = models.ForeignKey(
        "supplies.Fund",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="donations",
        verbose_name=_("入账资金"),
    )
    warehouse = models.ForeignKey(
        "supplies.Warehouse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="donations",
        verbose_name=_("入库库点"),
    )
    receipt_code = models.CharField(
        _("收据编号"), max_length=RECEIPT_CODE_LENGTH, unique=True, default=new_receipt_code
    )
    notes = models.TextField(_("备注"), blank=True)
    # Recorded in error: its money and goods are taken back out, it counts in no total.
    voided_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    void_reason = models.CharField(  # also the database's default, as Case.void_reason
        _("撤销原因"), max_length=300, blank=True, db_default=""
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("经办人"),
    )

    class Meta:
        verbose_name = _("捐赠")
        verbose_name_plural = _("捐赠")
        ordering = ["-date", "-id"]
        permissions = [("export_donation", _("导出捐赠"))]
        indexes = [models.Index(fields=["area", "date"], name="donation_area_date_idx")]

    def __str__(self):
        return f"{self.donor_name} {self.date.isoformat()}"

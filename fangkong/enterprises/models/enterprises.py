from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel
from fangkong.core.personal import BlindIndexField, EncryptedTextField
from fangkong.core.search import SearchKeyField

from ..choices import ResumptionState, Sector
from ..scoping import EnterpriseScopedManager


class IndustrialPark(ScopedModel):
    """园区: an industrial park holding several enterprises."""

    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("所属区域")
    )
    name = models.CharField(_("园区名称"), max_length=100)
    notes = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("园区")
        verbose_name_plural = _("园区")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="industrialpark_area_name")
        ]

    def __str__(self):
        return self.name


class Enterprise(ScopedModel):
    """企业: a business registered for epidemic prevention and work resumption."""

    enterprise_field = "pk"

    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("所属区域")
    )
    park = models.ForeignKey(
        IndustrialPark,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enterprises",
        verbose_name=_("所在园区"),
    )
    name = models.CharField(_("企业名称"), max_length=100)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    sector = models.CharField(_("行业"), max_length=16, choices=Sector.choices)
    headcount = models.PositiveIntegerField(_("职工人数"), default=0)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = EncryptedTextField(_("联系电话"), kind="phone")
    address = models.CharField(_("地址"), max_length=200, blank=True)
    resumption_state = models.CharField(
        _("复工状态"),
        max_length=16,
        choices=ResumptionState.choices,
        default=ResumptionState.NOT_APPLIED,
    )
    resumed_on = models.DateField(_("复工日期"), null=True, blank=True)
    notes = models.TextField(_("备注"), blank=True)

    contact_phone_index = BlindIndexField(source="contact_phone", purpose="phone")
    name_norm = SearchKeyField(source="name", key="norm", max_length=100)
    name_initials = SearchKeyField(source="name", key="initials", max_length=100)

    objects = EnterpriseScopedManager()

    audit_named = True  # the audit log names it where an entry refers to it

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["name", "id"]
        permissions = [
            ("import_enterprise", _("导入企业")),
            ("export_enterprise", _("导出企业")),
            ("export_personal_enterprise", _("导出未脱敏的企业联系电话")),
            ("manage_liaison", _("派驻联络员、绑定企业账号")),
        ]
        indexes = [
            models.Index(fields=["area", "resumption_state"], name="enterprise_area_state"),
        ]

    def __str__(self):
        return self.name


class EnterpriseAccount(ScopedModel):
    """企业账号: binds a user of the enterprise role to the one enterprise they speak for."""

    scope_field = "enterprise__area"
    enterprise_field = "enterprise"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="enterprise_account",
        verbose_name=_("账号"),
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="accounts", verbose_name=_("企业")
    )

    objects = EnterpriseScopedManager()

    class Meta:
        verbose_name = _("企业账号")
        verbose_name_plural = _("企业账号")
        ordering = ["enterprise", "id"]

    def __str__(self):
        return f"{self.user} · {self.enterprise}"

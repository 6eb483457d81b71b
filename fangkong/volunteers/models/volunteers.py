from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel
from fangkong.core.personal import BlindIndexField, EncryptedTextField, mask_name
from fangkong.core.search import SearchKeyField

from ..choices import HealthState, PoolState, Source
from .base import VolunteerScopedManager


class Volunteer(ScopedModel):
    """志愿者: a person in the volunteer pool of their home community (储备/在岗/停用)."""

    self_field = "user"

    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="volunteers",
        verbose_name=_("所属社区"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="volunteer",
        verbose_name=_("登录账号"),
    )
    name = models.CharField(_("姓名"), max_length=50)
    id_number = EncryptedTextField(_("身份证号"), kind="id_number")
    phone = EncryptedTextField(_("联系电话"), kind="phone")
    organisation = models.CharField(_("工作单位"), max_length=100, blank=True)
    is_party_member = models.BooleanField(_("中共党员"), default=False)
    health = models.CharField(
        _("健康状况"), max_length=16, choices=HealthState.choices, default=HealthState.HEALTHY
    )
    skills = models.CharField(_("技能特长"), max_length=255, blank=True, default="")
    available_days = models.CharField(_("可服务日"), max_length=32, blank=True, default="")
    available_times = models.CharField(_("可服务时段"), max_length=32, blank=True, default="")
    state = models.CharField(
        _("状态"), max_length=16, choices=PoolState.choices, default=PoolState.PENDING
    )
    source = models.CharField(
        _("来源"), max_length=16, choices=Source.choices, default=Source.STAFF
    )
    notes = models.TextField(_("备注"), blank=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    id_number_index = BlindIndexField(source="id_number", purpose="vol-id", unique=True)
    phone_index = BlindIndexField(source="phone", purpose="vol-phone")
    phone_last4 = BlindIndexField(source="phone", purpose="vol-phone4", transform="last4")
    name_norm = SearchKeyField(source="name", key="norm", max_length=50)
    name_pinyin = SearchKeyField(source="name", key="pinyin", max_length=200)
    name_initials = SearchKeyField(source="name", key="initials", max_length=50)

    objects = VolunteerScopedManager()

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        ordering = ["area", "name", "id"]
        permissions = [
            ("review_volunteer", _("审核志愿者")),
            ("import_volunteer", _("导入志愿者")),
            ("export_volunteer", _("导出志愿者")),
            ("export_personal_volunteer", _("导出未脱敏的志愿者信息")),
        ]
        indexes = [models.Index(fields=["area", "state"], name="volunteer_area_state")]

    def __str__(self):
        return self.name

    def audit_repr(self) -> str:
        return mask_name(self.name)


class PartyReport(ScopedModel):
    """在职党员进社区报到: an in-service party member reports to their home community."""

    self_field = "volunteer__user"

    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="party_reports", verbose_name=_("党员")
    )
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="party_reports",
        verbose_name=_("报到社区"),
    )
    reported_on = models.DateField(_("报到日期"))
    work_unit = models.CharField(_("工作单位"), max_length=100)
    notes = models.TextField(_("备注"), blank=True)

    objects = VolunteerScopedManager()

    class Meta:
        verbose_name = _("在职党员报到")
        verbose_name_plural = _("在职党员报到")
        ordering = ["-reported_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "area"], name="party_report_once")
        ]

    def __str__(self):
        return f"{self.volunteer.audit_repr()} {self.reported_on}"

    def audit_repr(self) -> str:
        return str(self)

from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.kept_area import KeptArea, kept_area_field
from fangkong.core.models import ScopedModel
from fangkong.core.personal import EncryptedTextField

from ..choices import CaseKind, CaseStatus


class Case(ScopedModel):
    """病例: a confirmed case or asymptomatic infection of a registered resident."""

    scope_field = "resident__area"
    # Counted by the resident's area kept on the row (``core.kept_area``): city figures.
    count_scope_field = "resident_area"
    kept_area = KeptArea(name="tracing_case_area", source="tracing_case")

    resident = models.ForeignKey(
        "registry.Resident", on_delete=models.PROTECT, related_name="cases", verbose_name=_("居民")
    )
    resident_area = kept_area_field()
    code = models.CharField(_("病例编号"), max_length=32, unique=True, blank=True, null=True)
    kind = models.CharField(_("类型"), max_length=16, choices=CaseKind.choices)
    onset_date = models.DateField(_("发病日期"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("确诊时间"))
    status = models.CharField(
        _("状态"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.ACTIVE
    )
    discharged_at = models.DateTimeField(_("治愈/出院时间"), null=True, blank=True)
    source = models.CharField(_("发现途径"), max_length=100, blank=True)
    voided_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    # Also the database's default: rows inserted by SQL (loaders, partner scripts) need not
    # name a column most rows never fill.
    void_reason = models.CharField(_("撤销原因"), max_length=300, blank=True, db_default="")
    notes = EncryptedTextField(_("流调备注"), kind="text")

    class Meta:
        verbose_name = _("病例")
        verbose_name_plural = _("病例")
        ordering = ["-confirmed_at", "-id"]
        indexes = [models.Index(fields=["resident", "status"], name="case_resident_status")]
        permissions = [
            ("trace_case", _("流调追踪密接")),
            ("export_case", _("导出病例与传播链")),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return self.code or f"C-{self.pk}"

    def audit_repr(self) -> str:
        return self.label

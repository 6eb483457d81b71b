import datetime
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.kept_area import KeptArea, kept_area_field
from fangkong.core.models import ScopedModel
from fangkong.core.personal import EncryptedTextField, mask_name

from ..choices import AssignmentKind, AssignmentState


def new_checkin_token() -> str:
    return secrets.token_urlsafe(24)


class Assignment(ScopedModel):
    """隔离/健康监测安排: a resident placed in quarantine or monitoring for a period."""

    scope_field = "resident__area"
    # Counted by the resident's area kept on the row (``core.kept_area``): city figures.
    count_scope_field = "resident_area"
    kept_area = KeptArea(name="health_assignment_area", source="health_assignment")

    resident = models.ForeignKey(
        "registry.Resident",
        on_delete=models.PROTECT,
        related_name="health_assignments",
        verbose_name=_("居民"),
    )
    resident_area = kept_area_field()
    kind = models.CharField(_("类型"), max_length=24, choices=AssignmentKind.choices)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    place = EncryptedTextField(_("隔离/监测地点"), kind="address")
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="health_assignments",
        verbose_name=_("责任网格员"),
    )
    doctor = models.CharField(_("责任医生"), max_length=50, blank=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=AssignmentState.choices, default=AssignmentState.ACTIVE
    )
    released_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("解除人"),
    )
    release_note = models.TextField(_("解除说明"), blank=True)
    checkin_token = models.CharField(
        _("自主填报口令"), max_length=40, unique=True, default=new_checkin_token, editable=False
    )
    # The contact whose quarantine this is (转隔离 from a case): when that case is voided,
    # the quarantine stays until the health team reviews it (``source_voided``).
    contact = models.ForeignKey(
        "tracing.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("来源接触者"),
    )

    class Meta:
        verbose_name = _("隔离/监测安排")
        verbose_name_plural = _("隔离/监测安排")
        ordering = ["-start_date", "-id"]
        permissions = [("release_assignment", _("解除隔离/监测"))]
        indexes = [
            models.Index(fields=["resident", "state"], name="assignment_resident_state"),
            models.Index(fields=["state", "start_date"], name="assignment_state_start"),
            # The list's order: a city-wide first page reads 50 index entries, not a sort.
            models.Index(fields=["-start_date", "-id"], name="assignment_list_order"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.start_date}–{self.end_date}"

    def state_label(self, today: datetime.date | None = None) -> str:
        """The state as pages show it: an active assignment whose period has not begun is
        未开始, not 进行中 (the stored state only says it has not been released)."""
        today = today or timezone.localdate()
        if self.state == AssignmentState.ACTIVE and self.start_date > today:
            return str(_("未开始"))
        return str(self.get_state_display())

    def audit_repr(self) -> str:
        return f"{mask_name(self.resident.name)} {self.get_kind_display()}"

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.choices import Role
from fangkong.core.models import ScopedModel

from ..choices import NoticeKind


class Notice(ScopedModel):
    """通知/指令: sent by a unit to area subtrees and/or roles; every recipient must sign."""

    scope_field = "sender_area"

    sender_area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("发文单位")
    )
    kind = models.CharField(
        _("类型"), max_length=16, choices=NoticeKind.choices, default=NoticeKind.NOTICE
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    deadline = models.DateTimeField(_("签收期限"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发送人"),
    )
    sent_at = models.DateTimeField(_("发送时间"))
    target_areas = models.ManyToManyField(
        "areas.Area", related_name="+", verbose_name=_("接收单位")
    )
    target_roles = models.JSONField(_("接收角色"), default=list, blank=True)
    recipient_count = models.PositiveIntegerField(_("接收人数"), default=0)

    class Meta:
        verbose_name = _("通知/指令")
        verbose_name_plural = _("通知/指令")
        ordering = ["-sent_at", "-id"]
        permissions = [("remind_notice", _("催办签收"))]
        indexes = [models.Index(fields=["sender_area", "sent_at"], name="duty_notice_sender")]

    def __str__(self):
        return self.title

    def is_overdue(self, now=None) -> bool:
        return self.deadline is not None and (now or timezone.now()) > self.deadline

    def target_role_labels(self) -> list[str]:
        return [str(Role(r).label) for r in self.target_roles if r in Role.values]


class NoticeReceipt(ScopedModel):
    """签收记录: one recipient of a notice, resolved at send time and kept as history."""

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="receipts", verbose_name=_("通知/指令")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="notice_receipts",
        verbose_name=_("接收人"),
    )
    # The recipient's unit and role when the notice was sent (later moves don't rewrite it).
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("接收单位")
    )
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("最近催办时间"), null=True, blank=True)
    remind_count = models.PositiveSmallIntegerField(_("催办次数"), default=0)

    class Meta:
        verbose_name = _("签收记录")
        verbose_name_plural = _("签收记录")
        ordering = ["notice", "area__path", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "user"], name="duty_receipt_unique")
        ]
        indexes = [
            models.Index(fields=["user", "acknowledged_at"], name="duty_receipt_inbox"),
            models.Index(fields=["notice", "acknowledged_at"], name="duty_receipt_notice"),
        ]

    def __str__(self):
        return f"{self.notice} · {self.user}"

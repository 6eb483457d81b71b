from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import DifficultyCategory, DifficultyState
from .base import EnterpriseRecord


class Difficulty(EnterpriseRecord):
    """困难诉求: a difficulty an enterprise raises, and the office's response (一企一策)."""

    category = models.CharField(_("类别"), max_length=16, choices=DifficultyCategory.choices)
    description = models.TextField(_("困难描述"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提出人"),
    )
    state = models.CharField(
        _("状态"), max_length=16, choices=DifficultyState.choices, default=DifficultyState.OPEN
    )
    response = models.TextField(_("解决措施"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("答复人"),
    )
    responded_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("困难诉求")
        verbose_name_plural = _("困难诉求")
        ordering = ["state", "-id"]
        permissions = [("respond_difficulty", _("答复困难诉求"))]

    def __str__(self):
        return f"{self.enterprise} {self.get_category_display()}"

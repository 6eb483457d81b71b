from django.db import models
from django.utils.translation import gettext_lazy as _


class DutyRole(models.TextChoices):
    """Role of a person on a shift."""

    LEADER = "leader", _("带班领导")
    OFFICER = "officer", _("值班员")


class NoticeKind(models.TextChoices):
    NOTICE = "notice", _("通知")
    DIRECTIVE = "directive", _("指令")

from django.db import models
from django.utils.translation import gettext_lazy as _


class Colour(models.TextChoices):
    GREEN = "green", _("绿码")
    YELLOW = "yellow", _("黄码")
    RED = "red", _("红码")


SEVERITY = {Colour.GREEN: 0, Colour.YELLOW: 1, Colour.RED: 2}


class OverrideState(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")

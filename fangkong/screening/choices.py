from django.db import models
from django.utils.translation import gettext_lazy as _


class VisitOutcome(models.TextChoices):
    VISITED = "visited", _("已入户")
    NOBODY_HOME = "nobody_home", _("无人在家")
    REFUSED = "refused", _("拒绝配合")


class FindingKind(models.TextChoices):
    RETURNEE = "returnee", _("返乡人员")
    INFLOW = "inflow", _("流入人员")
    OTHER = "other", _("其他")

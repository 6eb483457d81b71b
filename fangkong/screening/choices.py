from django.db import models
from django.utils.translation import gettext_lazy as _


class VisitOutcome(models.TextChoices):
    VISITED = "visited", _("已入户")
    NOBODY_HOME = "nobody_home", _("无人在家")
    REFUSED = "refused", _("拒绝配合")
    # The household has moved out and the home stands empty: checked, nobody to screen.
    VACANT = "vacant", _("已搬离/空置")


# The outcomes that settle a household for a campaign (不漏一户): found in, or confirmed moved
# out. Nobody home and refused wait for a return visit.
COVERED_OUTCOMES = (VisitOutcome.VISITED, VisitOutcome.VACANT)


class FindingKind(models.TextChoices):
    RETURNEE = "returnee", _("返乡人员")
    INFLOW = "inflow", _("流入人员")
    OTHER = "other", _("其他")

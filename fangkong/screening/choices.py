from django.db import models
from django.utils.translation import gettext_lazy as _


class VisitOutcome(models.TextChoices):
    VISITED = "visited", _("已入户")
    NOBODY_HOME = "nobody_home", _("无人在家")
    REFUSED = "refused", _("拒绝配合")
    # The household has moved out and the home stands empty: checked, nobody to screen.
    VACANT = "vacant", _("已搬离/空置")


# The conclusive outcomes (不漏一户): found in, or confirmed moved out. The first such visit
# settles the household for the campaign, for good. Nobody home and refused are inconclusive:
# the household waits for a return visit while it has no conclusive one, and they never undo
# one (a follow-up knock that finds nobody takes back no work done). Every count, list and
# page reads it through ``selectors`` (``settling_visits``, the standing visit, ``settled``).
CONCLUSIVE_OUTCOMES = (VisitOutcome.VISITED, VisitOutcome.VACANT)


class FindingKind(models.TextChoices):
    RETURNEE = "returnee", _("返乡人员")
    INFLOW = "inflow", _("流入人员")
    OTHER = "other", _("其他")

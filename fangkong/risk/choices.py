from django.db import models
from django.utils.translation import gettext_lazy as _


class DefaultRiskRank(models.IntegerChoices):
    """Ranks of the levels seeded by the data migration; offices may add their own."""

    LOW = 1, _("低风险")
    MEDIUM = 2, _("中风险")
    HIGH = 3, _("高风险")

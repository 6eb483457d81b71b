from django.db import models
from django.utils.translation import gettext_lazy as _


class AreaLevel(models.IntegerChoices):
    """Levels of the administrative tree, top down; a grid is the lowest area."""

    PROVINCE = 1, _("省")
    CITY = 2, _("市")
    DISTRICT = 3, _("区县")
    STREET = 4, _("街道/乡镇")
    COMMUNITY = 5, _("社区/村")
    GRID = 6, _("网格")

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COMMAND = "command", _("指挥部/专班")
    STREET = "street", _("街道/乡镇")
    COMMUNITY = "community", _("社区/村")
    GRID_WORKER = "grid_worker", _("网格员")
    ENTERPRISE_LIAISON = "liaison", _("企业联络员")
    INSPECTOR = "inspector", _("督导检查")
    VOLUNTEER = "volunteer", _("志愿者")
    LEADER = "leader", _("领导(只读)")

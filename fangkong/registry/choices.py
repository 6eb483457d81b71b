from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class ResidentCategory(models.TextChoices):
    PERMANENT = "permanent", _("常住")
    INFLOW = "inflow", _("流入")
    RETURNEE = "returnee", _("返乡")
    TEMPORARY = "temporary", _("暂住")
    OUTFLOW = "outflow", _("外出")


class ResidentTag(models.TextChoices):
    PARTY_MEMBER = "party", _("党员")
    ELDERLY = "elderly", _("老人")
    LIVING_ALONE = "alone", _("独居")
    DISABLED = "disabled", _("残疾")
    CHRONIC = "chronic", _("慢性病")
    PREGNANT = "pregnant", _("孕产妇")
    CHILD = "child", _("儿童")
    LOW_INCOME = "low_income", _("低保")

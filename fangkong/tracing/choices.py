from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseKind(models.TextChoices):
    CONFIRMED = "confirmed", _("确诊病例")
    ASYMPTOMATIC = "asymptomatic", _("无症状感染者")


class CaseStatus(models.TextChoices):
    ACTIVE = "active", _("治疗/隔离中")
    RECOVERED = "recovered", _("已治愈")
    DISCHARGED = "discharged", _("已出院")
    # Recorded in error (the wrong person, a positive not confirmed on review): in no figure.
    VOIDED = "voided", _("已撤销")


class ContactDegree(models.TextChoices):
    CLOSE = "close", _("密切接触者")
    SECONDARY = "secondary", _("次密切接触者")


class ContactState(models.TextChoices):
    SUSPECTED = "suspected", _("待核实")
    CONFIRMED = "confirmed", _("已确认")
    DISMISSED = "dismissed", _("已排除")


class ExposureKind(models.TextChoices):
    VENUE = "venue", _("同场所")
    HOUSEHOLD = "household", _("同住")
    NAMED = "named", _("流调指认")

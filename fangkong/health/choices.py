from django.db import models
from django.utils.translation import gettext_lazy as _


class AssignmentKind(models.TextChoices):
    HOME_QUARANTINE = "home_quarantine", _("居家隔离")
    CENTRAL_QUARANTINE = "central_quarantine", _("集中隔离")
    HEALTH_MONITORING = "health_monitoring", _("健康监测")
    POST_DISCHARGE = "post_discharge", _("出院后随访监测")


QUARANTINE_KINDS = (AssignmentKind.HOME_QUARANTINE, AssignmentKind.CENTRAL_QUARANTINE)
MONITORING_KINDS = (AssignmentKind.HEALTH_MONITORING, AssignmentKind.POST_DISCHARGE)


class AssignmentCategory(models.TextChoices):
    """The two families of kinds the dashboard counts: 隔离 and 健康监测."""

    QUARANTINE = "quarantine", _("隔离（居家/集中）")
    MONITORING = "monitoring", _("健康监测（含出院后随访）")


CATEGORY_KINDS = {
    AssignmentCategory.QUARANTINE: QUARANTINE_KINDS,
    AssignmentCategory.MONITORING: MONITORING_KINDS,
}


class AssignmentState(models.TextChoices):
    ACTIVE = "active", _("进行中")
    RELEASED = "released", _("已解除")


class Slot(models.TextChoices):
    AM = "am", _("上午")
    PM = "pm", _("下午")


# A slot's check-in may be entered from this local hour of its day (a 下午 reading taken in
# the morning is no afternoon reading) and is overdue after the deadline hour.
SLOT_START_HOUR = {Slot.AM: 0, Slot.PM: 12}
SLOT_DEADLINE_HOUR = {Slot.AM: 12, Slot.PM: 20}


class Symptom(models.TextChoices):
    FEVER = "fever", _("发热")
    COUGH = "cough", _("咳嗽")
    FATIGUE = "fatigue", _("乏力")
    SORE_THROAT = "sore_throat", _("咽痛")
    DIARRHOEA = "diarrhoea", _("腹泻")
    LOSS_OF_SMELL = "loss_of_smell", _("嗅觉/味觉减退")
    BREATH = "breath", _("呼吸困难")
    MUSCLE_ACHE = "muscle_ache", _("肌肉酸痛")
    CONJUNCTIVITIS = "conjunctivitis", _("结膜炎")


class CheckInSource(models.TextChoices):
    STAFF = "staff", _("工作人员代填")
    SELF = "self", _("本人填报")
    PAIRED = "paired", _("包联党员代填")


class AlertKind(models.TextChoices):
    FEVER = "fever", _("发热")
    SYMPTOM = "symptom", _("出现症状")
    OVERDUE = "overdue", _("逾期未报")


class NatResult(models.TextChoices):
    PENDING = "pending", _("待出结果")
    NEGATIVE = "negative", _("阴性")
    POSITIVE = "positive", _("阳性")


class NatReview(models.TextChoices):
    """How a person resolved a positive result; a positive counts until resolved."""

    NONE = "", _("待复核")
    CASE = "case", _("已确诊（转病例管理）")
    EXCLUDED = "excluded", _("复核排除")


# What a reviewer may conclude (待复核 is where a review starts).
REVIEW_OUTCOMES = [(c.value, c.label) for c in (NatReview.CASE, NatReview.EXCLUDED)]

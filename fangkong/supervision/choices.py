from django.db import models
from django.utils.translation import gettext_lazy as _


class VisitMode(models.TextChoices):
    """明查 (announced) or 暗访 (unannounced)."""

    ANNOUNCED = "announced", _("明查")
    UNANNOUNCED = "unannounced", _("暗访")


class TargetKind(models.TextChoices):
    """What was inspected; the community/street itself is the visit's area."""

    AREA = "area", _("社区/村/街道")
    CHECKPOINT = "checkpoint", _("卡点")
    ENTERPRISE = "enterprise", _("企业/项目")
    VENUE = "venue", _("场所")
    OTHER = "other", _("其他")


class TaskState(models.TextChoices):
    PLANNED = "planned", _("待开展")
    DONE = "done", _("已完成")


class AnswerResult(models.TextChoices):
    OK = "ok", _("符合")
    PROBLEM = "problem", _("存在问题")
    NA = "na", _("不适用")


class Severity(models.TextChoices):
    LOW = "low", _("一般")
    MEDIUM = "medium", _("较重")
    HIGH = "high", _("严重")


class ProblemState(models.TextChoices):
    OPEN = "open", _("待整改")
    SUBMITTED = "submitted", _("待核查")
    CLOSED = "closed", _("已销号")


class ProblemAction(models.TextChoices):
    CREATE = "create", _("发现问题")
    RECTIFY = "rectify", _("提交整改")
    CLOSE = "close", _("核查销号")
    REOPEN = "reopen", _("退回重新整改")
    ESCALATE = "escalate", _("逾期升级")


class PhotoKind(models.TextChoices):
    VISIT = "visit", _("检查照片")
    RECTIFICATION = "rectification", _("整改照片")

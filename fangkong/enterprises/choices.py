from django.db import models
from django.utils.translation import gettext_lazy as _


class Sector(models.TextChoices):
    MANUFACTURING = "manufacturing", _("制造业")
    CONSTRUCTION = "construction", _("建筑业")
    MINING = "mining", _("采矿业")
    ENERGY = "energy", _("电力燃气水")
    LOGISTICS = "logistics", _("交通物流")
    RETAIL = "retail", _("批发零售")
    CATERING = "catering", _("住宿餐饮")
    SERVICES = "services", _("服务业")
    AGRICULTURE = "agriculture", _("农业")
    OTHER = "other", _("其他")


class ResumptionState(models.TextChoices):
    """An enterprise's resumption status, set by the application workflow."""

    NOT_APPLIED = "not_applied", _("未申请")
    PENDING = "pending", _("待审批")
    RETURNED = "returned", _("已退回")
    RESUMED = "resumed", _("已复工")


class ApplicationState(models.TextChoices):
    SUBMITTED = "submitted", _("待审批")
    APPROVED = "approved", _("已批准")
    RETURNED = "returned", _("已退回")


class ReturnState(models.TextChoices):
    """Where an employee stands in 早返回、早隔离、早复工 (derived, never stored)."""

    NOT_RETURNED = "not_returned", _("未返回")
    ISOLATING = "isolating", _("返岗隔离中")
    PENDING = "pending", _("已返回待复岗")
    AT_WORK = "at_work", _("已复岗")


class ProblemState(models.TextChoices):
    OPEN = "open", _("待整改")
    RECTIFIED = "rectified", _("已整改")


class DifficultyCategory(models.TextChoices):
    MATERIALS = "materials", _("防疫物资")
    STAFF = "staff", _("用工")
    TRANSPORT = "transport", _("交通运输")
    FUNDING = "funding", _("资金")
    RAW_MATERIALS = "raw_materials", _("原材料供应")
    OTHER = "other", _("其他")


class DifficultyState(models.TextChoices):
    OPEN = "open", _("待处理")
    IN_PROGRESS = "in_progress", _("处理中")
    RESOLVED = "resolved", _("已解决")

from django.db import models
from django.utils.translation import gettext_lazy as _


class VenueKind(models.TextChoices):
    MARKET = "market", _("农贸市场")
    SUPERMARKET = "supermarket", _("商超")
    OFFICE = "office", _("办公场所")
    COMPOUND = "compound", _("居民小区")
    CHECKPOINT = "checkpoint", _("道路卡点")
    OTHER = "other", _("其他场所")


class Direction(models.TextChoices):
    IN = "in", _("进入")
    OUT = "out", _("离开")


class ScanSource(models.TextChoices):
    PUBLIC = "public", _("扫场所码自助登记")
    STAFF = "staff", _("卡点人员登记")
    DEVICE = "device", _("卡点设备上传")
    PARTNER = "partner", _("合作系统推送")


class ScanColour(models.TextChoices):
    """The person's status when the scan was made; ``unknown`` for people not in the registry."""

    GREEN = "green", _("绿码")
    YELLOW = "yellow", _("黄码")
    RED = "red", _("红码")
    UNKNOWN = "unknown", _("未登记")


class ApprovalState(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    CANCELLED = "cancelled", _("已撤销")

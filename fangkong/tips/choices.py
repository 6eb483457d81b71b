from django.db import models
from django.utils.translation import gettext_lazy as _


class TipCategory(models.TextChoices):
    RETURNEE = "returnee", _("外来/返乡人员未报备")
    GATHERING = "gathering", _("聚集活动")
    PRICE = "price", _("哄抬物价")
    NO_MASK = "no_mask", _("公共场所不戴口罩")
    VENUE = "venue", _("场所未落实扫码测温")
    QUARANTINE = "quarantine", _("隔离人员擅自外出")
    OTHER = "other", _("其他")


class TipState(models.TextChoices):
    """待分拣 → 已交办 → 属实 / 不属实; 无效 straight from triage."""

    NEW = "new", _("待分拣")
    ASSIGNED = "assigned", _("核查中")
    VERIFIED = "verified", _("经核查属实")
    UNFOUNDED = "unfounded", _("经核查不属实")
    REJECTED = "rejected", _("无效线索")


# What the tip-giver sees on the public progress page: state only, in plain words.
PUBLIC_STATE_TEXT = {
    TipState.NEW: _("已收到，正在分拣"),
    TipState.ASSIGNED: _("已交由属地核查"),
    TipState.VERIFIED: _("核查完毕，线索属实"),
    TipState.UNFOUNDED: _("核查完毕，未发现所反映的情况"),
    TipState.REJECTED: _("线索信息不足或重复，未予受理"),
}

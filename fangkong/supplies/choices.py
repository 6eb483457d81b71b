from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.TextChoices):
    PIECE = "piece", _("只")
    PAIR = "pair", _("双")
    SET = "set", _("套")
    ITEM = "item", _("个")
    BOTTLE = "bottle", _("瓶")
    BOX = "box", _("箱")
    LITRE = "l", _("升")
    KG = "kg", _("千克")
    TONNE = "t", _("吨")


# Mass units are summed across items in tonnes (the seed counts "10 吨" of mixed goods).
KG_PER_UNIT = {Unit.KG: 1, Unit.TONNE: 1000}


class ItemCategory(models.TextChoices):
    PROTECTIVE = "protective", _("防护用品")
    DISINFECTION = "disinfection", _("消杀用品")
    MEDICAL = "medical", _("医疗器械")
    LIVING = "living", _("生活物资")
    OTHER = "other", _("其他")


class WarehouseKind(models.TextChoices):
    WAREHOUSE = "warehouse", _("物资仓库")
    QUARANTINE_SITE = "quarantine_site", _("隔离点")
    HOSPITAL = "hospital", _("定点医院/发热门诊")
    CHECKPOINT = "checkpoint", _("卡点")
    COMMUNITY = "community", _("社区/村")
    OTHER = "other", _("其他单位")


class MovementKind(models.TextChoices):
    IN = "in", _("入库")
    OUT = "out", _("出库")
    TRANSFER_OUT = "transfer_out", _("调出")
    TRANSFER_IN = "transfer_in", _("调入")
    ADJUST = "adjust", _("盘点调整")


# What counts as consumption for the burn rate: stock leaving a place, not corrections.
OUTFLOW_KINDS = (MovementKind.OUT, MovementKind.TRANSFER_OUT)


class LotSource(models.TextChoices):
    PURCHASE = "purchase", _("采购")
    DONATION = "donation", _("捐赠")
    ALLOCATION = "allocation", _("上级调拨")
    ADJUSTMENT = "adjustment", _("盘盈")


class DonationKind(models.TextChoices):
    MONEY = "money", _("捐款")
    GOODS = "goods", _("捐物")


class DonorKind(models.TextChoices):
    PERSON = "person", _("个人")
    ORGANISATION = "organisation", _("单位/组织")


class Urgency(models.TextChoices):
    URGENT = "urgent", _("紧急")
    NORMAL = "normal", _("一般")


class RequestState(models.TextChoices):
    SUBMITTED = "submitted", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    FULFILLED = "fulfilled", _("已发足")


class AllocationState(models.TextChoices):
    DISPATCHED = "dispatched", _("已发出")
    RECEIVED = "received", _("已签收")


class FundKind(models.TextChoices):
    PARTY_FEE = "party_fee", _("专项党费")
    DONATION = "donation", _("捐款")
    FISCAL = "fiscal", _("财政资金")
    OTHER = "other", _("其他")


class FundEntryKind(models.TextChoices):
    INCOME = "income", _("拨入/收入")
    ALLOCATION = "allocation", _("下拨")
    SPENDING = "spending", _("支出")

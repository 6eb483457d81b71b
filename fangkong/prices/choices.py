from django.db import models
from django.utils.translation import gettext_lazy as _


class MarketKind(models.TextChoices):
    FARMERS_MARKET = "market", _("农贸市场")
    SUPERMARKET = "supermarket", _("超市")
    STORE = "store", _("便利店/门店")


class CommodityCategory(models.TextChoices):
    VEGETABLE = "vegetable", _("蔬菜")
    MEAT = "meat", _("肉类")
    GRAIN = "grain", _("粮食")
    OIL = "oil", _("食用油")
    EGG = "egg", _("禽蛋")
    OTHER = "other", _("其他")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TipsConfig(AppConfig):
    name = "fangkong.tips"
    label = "tips"
    verbose_name = _("线索举报")

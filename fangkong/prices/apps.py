from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PricesConfig(AppConfig):
    name = "fangkong.prices"
    label = "prices"
    verbose_name = _("保供稳价")

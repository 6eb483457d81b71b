from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PairingConfig(AppConfig):
    name = "fangkong.pairing"
    label = "pairing"
    verbose_name = _("党员包联")

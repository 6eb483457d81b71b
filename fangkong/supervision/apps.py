from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "fangkong.supervision"
    label = "supervision"
    verbose_name = _("督导检查与问题台账")

from django.db import models
from django.utils.translation import gettext_lazy as _


class Generation(models.Model):
    """A counter per kind of shared configuration (areas, risk designations, status policies).

    Services bump it in the transaction that changes the configuration; a per-process cache
    compares the counters with what it loaded (``core.generations``), so it never serves
    configuration older than the last committed change.
    """

    key = models.CharField(_("配置项"), max_length=64, primary_key=True)
    value = models.BigIntegerField(_("版本号"), default=0)

    class Meta:
        verbose_name = _("配置版本")
        verbose_name_plural = _("配置版本")

    def __str__(self):
        return f"{self.key}={self.value}"

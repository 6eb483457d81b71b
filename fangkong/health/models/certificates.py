import secrets
import string

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel

# No 0/O/1/I/L: the code is also read aloud and typed from paper.
CODE_ALPHABET = "".join(c for c in string.ascii_uppercase + string.digits if c not in "01OIL")
CODE_LENGTH = 20


def new_certificate_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class HealthCertificate(ScopedModel):
    """健康证明: issued after a completed, released quarantine or monitoring period."""

    scope_field = "resident__area"

    resident = models.ForeignKey(
        "registry.Resident",
        on_delete=models.PROTECT,
        related_name="health_certificates",
        verbose_name=_("居民"),
    )
    assignment = models.ForeignKey(
        "health.Assignment",
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("隔离/监测安排"),
    )
    code = models.CharField(
        _("证明编号"), max_length=CODE_LENGTH, unique=True, default=new_certificate_code
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("开具人"),
    )
    issued_at = models.DateTimeField(_("开具时间"))
    revoked = models.BooleanField(_("已作废"), default=False)
    revoked_reason = models.TextField(_("作废原因"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("作废人"),
    )
    revoked_at = models.DateTimeField(_("作废时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("健康证明")
        verbose_name_plural = _("健康证明")
        ordering = ["-issued_at", "-id"]
        permissions = [("revoke_healthcertificate", _("作废健康证明"))]

    def __str__(self):
        return self.code

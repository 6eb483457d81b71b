from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel

from ..scoping import EnterpriseScopedManager


class EnterpriseRecord(ScopedModel):
    """A record of one enterprise: scoped through the enterprise's area or binding."""

    scope_field = "enterprise__area"
    enterprise_field = "enterprise"

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="%(class)s_set",
        verbose_name=_("企业"),
    )

    objects = EnterpriseScopedManager()

    class Meta:
        abstract = True

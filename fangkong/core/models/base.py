from django.db import models
from django.utils.translation import gettext_lazy as _

from ..scoping import ScopedManager


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(models.Model):
    """Optimistic locking: every update must name the version it was based on."""

    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    class Meta:
        abstract = True


class ScopedModel(TimestampedModel, VersionedModel):
    """A record that belongs to an area. Subclasses define ``area`` or set ``scope_field``."""

    scope_field = "area"
    # A large scope's list checks a related row's area by a sub-select (``in_area``).
    scope_by_subselect = False

    objects = ScopedManager()

    class Meta:
        abstract = True

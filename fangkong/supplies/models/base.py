"""Shared model pieces: a catalogue every area reads, and append-only ledger rows."""

from django.db import models

from fangkong.core.scoping import ScopedQuerySet


class CatalogueQuerySet(models.QuerySet):
    """A catalogue (items, necessities) is shared by all areas: any active user reads it."""

    area_scoped = False  # read by the generated scoping test: nothing here belongs to an area

    def visible_to(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        return self


class LedgerQuerySet(ScopedQuerySet):
    """Ledger rows are facts: a correction is a new row, never an update or a delete."""

    def update(self, **kwargs):
        raise PermissionError("ledger rows are append-only")

    def delete(self):
        raise PermissionError("ledger rows are append-only")


LedgerManager = models.Manager.from_queryset(LedgerQuerySet)


class LedgerRow(models.Model):
    objects = LedgerManager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("ledger rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("ledger rows are append-only")

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    REVEAL = "reveal", _("查看敏感信息")
    EXPORT = "export", _("导出")
    IMPORT = "import", _("导入")
    LOGIN = "login", _("登录")


class AppendOnlyQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Entries about rows in the user's area subtree (by ``area_path``); global: all."""
        from ..scoping import is_global, user_area

        if is_global(user):
            return self
        root = user_area(user)
        if root is None:
            return self.none()
        return self.filter(area_path__startswith=root.path)

    def update(self, **kwargs):
        raise PermissionError("audit entries are append-only")

    def delete(self):
        raise PermissionError("audit entries are append-only")


class RowIdField(models.BigIntegerField):
    """A 64-bit primary key that SQLite keeps as the table's rowid.

    SQLite aliases the rowid only for a column declared exactly ``INTEGER PRIMARY KEY``;
    Django declares a ``BigIntegerField`` key ``bigint``, and then SQLite stores the id a
    second time in a unique index that every insert updates (an import writes a million
    entries). SQLite's ``integer`` is 64-bit, so nothing else changes."""

    def db_type(self, connection):
        return "integer" if connection.vendor == "sqlite" else super().db_type(connection)


class ChangesField(models.JSONField):
    """The entry's ``changes``, without the ``JSON_VALID`` check Django adds on SQLite:
    the audit writer encodes every value itself (and the chain's hash covers the text), so
    SQLite parsing each entry again at insert is work without a purpose."""

    def db_check(self, connection):
        return None if connection.vendor == "sqlite" else super().db_check(connection)


class AuditEntry(models.Model):
    """审计日志: one append-only, hash-chained entry per write or sensitive read."""

    # Assigned by the writer and part of the hash: on SQLite the next after the head's (no
    # gaps), on PostgreSQL from a sequence (``audit.ID_SEQUENCE``: gaps where a transaction
    # rolled back). Ascending within each chain.
    id = RowIdField(primary_key=True)
    timestamp = models.DateTimeField(_("时间"), db_index=True)
    actor_id = models.BigIntegerField(_("操作人编号"), null=True, blank=True)
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=16, choices=AuditAction.choices)
    object_type = models.CharField(_("对象类型"), max_length=100, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    area_path = models.CharField(_("所属区域路径"), max_length=255, blank=True, db_index=True)
    changes = ChangesField(_("变更内容"), default=dict, blank=True)
    reason = models.TextField(_("原因"), blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # The chain the entry belongs to (``AuditHead``'s id); empty for chain 1, the only one on
    # SQLite. Part of the hash for the other chains.
    lane = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-id"]
        default_permissions = ("view",)

    def __str__(self):
        return f"#{self.id} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit entries are append-only")


class AuditHead(models.Model):
    """One chain's tip (``id`` is the chain's number). A writer locks one for the length of
    its transaction; the tip also catches truncation of a chain's newest entries.

    SQLite has one chain (it has one writer at a time anyway). On PostgreSQL a writer takes
    the first chain no other transaction holds (``audit.PG_LANES`` of them), so audited
    writes do not queue on one row while each waits for its commit to reach the disk."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("审计链头")
        default_permissions = ()

    def __str__(self):
        return f"{self.last_id}:{self.last_hash[:12]}"

"""Bulk writing for imports: raw ``executemany`` producing exactly what the model would store.

No model instances per row: values are converted field by field from the model's own
declaration (``EncryptedTextField`` → ``crypto.encrypt``, ``BlindIndexField`` →
``index_value``, ``SearchKeyField`` → ``name_keys``, ``auto_now`` → the import's timestamp,
``version`` 1 on insert and +1 on update). Audit events are collected for ``record_many``.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import models

from fangkong.core import audit, crypto
from fangkong.core.models.audit import AuditAction
from fangkong.core.personal import BlindIndexField, EncryptedTextField, index_value
from fangkong.core.search import _KEY_PARTS, SearchKeyField, name_keys

# Field classes whose Python value is already what the database driver takes.
_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.ForeignKey,
    models.BooleanField,
)
_MISSING = object()
_SEP = "\x1f"


class NameKeyCache:
    """``search.name_keys`` for one import, cached in bounded memory.

    pypinyin takes ~30 µs a name and a city has hundreds of thousands of distinct names, so
    names are cached; ``name_keys``' own LRU cache would hold ~100 MB at its size, so the
    uncached function is used here with two generations of at most ``size`` names each,
    the three keys joined into one string (~250 bytes a name in all).
    """

    def __init__(self, size: int = 75_000):
        self.size = size
        self.young: dict[str, str] = {}
        self.old: dict[str, str] = {}
        self._compute = getattr(name_keys, "__wrapped__", name_keys)
        self._last: tuple[str, list[str]] = ("", ["", "", ""])

    def parts(self, name: str) -> list[str]:
        last = self._last
        if last[0] == name:  # the three search fields ask for the same name in a row
            return last[1]
        joined = self.young.get(name)
        if joined is None:
            joined = self.old.get(name)
            if joined is None:
                joined = _SEP.join(self._compute(name))
            self.young[name] = joined
            if len(self.young) >= self.size:
                self.old, self.young = self.young, {}
        parts = joined.split(_SEP)
        self._last = (name, parts)
        return parts


# Values in audit ``changes`` exactly as ``audit.snapshot`` and ``audit.diff`` write them.
_plain = audit._plain


class ModelWriter:
    """Inserts and updates rows of one model with ``cursor.executemany``."""

    def __init__(self, model: type[models.Model], *, connection, now: datetime.datetime):
        self.model = model
        self.connection = connection
        self.now = now
        meta = model._meta
        self.table = meta.db_table
        self.pk = meta.pk
        self.auto_pk = isinstance(meta.pk, models.fields.AutoFieldMixin)
        self.fields = [f for f in meta.concrete_fields if not f.primary_key]
        self.by_name = {f.name: f for f in self.fields}
        self.personal = {f.name for f in self.fields if isinstance(f, EncryptedTextField)}
        self.derived: dict[str, list[models.Field]] = defaultdict(list)
        for f in self.fields:
            if isinstance(f, BlindIndexField | SearchKeyField):
                self.derived[f.source].append(f)
        self.derived_names = {f.name for fs in self.derived.values() for f in fs}
        self.auto_now = [f for f in self.fields if getattr(f, "auto_now", False)]
        self.has_version = "version" in self.by_name
        self.now_db = connection.ops.adapt_datetimefield_value(now)
        self.names = NameKeyCache()
        # What the audit trail shows of a row (same rule as ``audit.snapshot``).
        self.audited = [
            f
            for f in meta.concrete_fields
            if f.name not in audit.SKIP_FIELDS and (f.editable or f.name in self.personal)
        ]
        self.comparable = [
            f.name
            for f in self.fields
            if f.name not in self.derived_names
            and f.name not in audit.SKIP_FIELDS
            and not getattr(f, "auto_now_add", False)
            and not getattr(f, "auto_now", False)
        ]
        # Defaults for fields a row leaves out: computed once, except callable ones (a uuid
        # per row), which ``insert_row`` puts into the row so its audit entry sees them too.
        self.defaults: dict[str, Any] = {}
        self.callable_defaults = []
        for f in self.fields:
            if f.has_default() and callable(f.default):
                self.callable_defaults.append(f)
            else:
                default = f.get_default()
                # a TextChoices member → its plain value
                self.defaults[f.name] = str(default) if isinstance(default, str) else default
        self._position = {f.name: i for i, f in enumerate(self.fields)}
        self._insert_convs = [self._converter(f) for f in self.fields]
        self._insert_sql = self._build_insert_sql()
        self.scope_field = getattr(model, "scope_field", None)
        self.object_type = audit.object_type(model)

    # --- value conversion --------------------------------------------------------------

    def db_value(self, f: models.Field, value: Any) -> Any:
        """One Python value → the database value the ORM would send for field ``f``."""
        if f.name in self.personal:
            return crypto.encrypt(value) if value else ("" if value is None else value)
        if value is None:
            return None
        if isinstance(f, models.DateTimeField):
            return self.connection.ops.adapt_datetimefield_value(value)
        if isinstance(f, models.DateField):
            return self.connection.ops.adapt_datefield_value(value)
        if isinstance(f, _PLAIN):
            return value
        return f.get_db_prep_save(value, self.connection)

    def derived_value(self, f: models.Field, fields: dict[str, Any]) -> Any:
        if f.name in fields:  # precomputed, e.g. the natural key
            return fields[f.name]
        raw = fields.get(f.source)
        if isinstance(f, BlindIndexField):
            kind = self.by_name[f.source].kind
            return index_value(raw, kind=kind, purpose=f.purpose, transform=f.transform)
        if not raw:
            return ""
        return self.names.parts(raw)[_KEY_PARTS[f.key]][: f.max_length]

    def _converter(self, f: models.Field) -> Callable[[dict[str, Any]], Any]:
        name = f.name
        if name in self.derived_names:
            return lambda fields: self.derived_value(f, fields)
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            return lambda fields: self.now_db
        if name == "version" and self.has_version:
            return lambda fields: 1
        default = self.defaults.get(name)
        if name in self.personal:
            encrypt = crypto.encrypt

            def personal(fields):
                v = fields.get(name)
                return encrypt(v) if v else (default if v is None else v)

            return personal
        if isinstance(f, _PLAIN) and not isinstance(f, models.DateField):

            def plain(fields):
                v = fields.get(name, _MISSING)
                return default if v is _MISSING else v

            return plain

        def generic(fields):
            v = fields.get(name, _MISSING)
            return self.db_value(f, default if v is _MISSING else v)

        return generic

    def insert_row(self, fields: dict[str, Any]) -> list[Any]:
        for f in self.callable_defaults:
            if f.name not in fields:
                fields[f.name] = f.get_default()
        return [conv(fields) for conv in self._insert_convs]

    # --- SQL ---------------------------------------------------------------------------

    def _q(self, name: str) -> str:
        return self.connection.ops.quote_name(name)

    def _build_insert_sql(self) -> str:
        cols = ", ".join(self._q(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        return f"INSERT INTO {self._q(self.table)} ({cols}) VALUES ({marks})"  # noqa: S608

    def insert(self, rows: Sequence[Sequence[Any]]) -> list[int] | None:
        """Insert ``rows``; on SQLite also return their pks (else ``None``: use ``pks``).

        SQLite has one writer at a time and the tables use AUTOINCREMENT, so the rows of one
        ``executemany`` get consecutive ids ending at ``last_insert_rowid()``.
        """
        if not rows:
            return []
        with self.connection.cursor() as cur:
            cur.executemany(self._insert_sql, rows)
            if self.connection.vendor != "sqlite" or not self.auto_pk:
                return None
            cur.execute("SELECT last_insert_rowid()")
            last = cur.fetchone()[0]
        return list(range(last - len(rows) + 1, last + 1))

    def update(self, groups: dict[tuple[str, ...], list[list[Any]]]) -> None:
        """``{(field, ...): [[value, ..., pk], ...]}``: one ``executemany`` per field set."""
        with self.connection.cursor() as cur:
            for names, params in groups.items():
                sets = [f"{self._q(self.by_name[n].column)} = %s" for n in names]
                sets += [f"{self._q(f.column)} = %s" for f in self.auto_now]
                if self.has_version:
                    sets.append(f"{self._q('version')} = {self._q('version')} + 1")
                sql = (
                    f"UPDATE {self._q(self.table)} SET {', '.join(sets)} "  # noqa: S608
                    f"WHERE {self._q(self.pk.column)} = %s"
                )
                if self.auto_now:
                    stamp = [self.now_db] * len(self.auto_now)
                    params = [[*p[:-1], *stamp, p[-1]] for p in params]
                cur.executemany(sql, params)

    # --- reading back ----------------------------------------------------------------------

    def key_of(self, natural_key: Sequence[str], fields: dict[str, Any]) -> tuple:
        out = []
        for name in natural_key:
            f = self.by_name[name]
            if isinstance(f, BlindIndexField):
                out.append(self.derived_value(f, fields))
            else:
                out.append(fields.get(name))
        return tuple(out)

    def existing(
        self, natural_key: Sequence[str], keys: Iterable[tuple], *, with_scope: bool = False
    ) -> dict[tuple, dict[str, Any]]:
        """Current values (decrypted) of the rows matching ``keys``, by key."""
        keys = set(keys)
        if not keys or not self._any_exists(natural_key[0], {k[0] for k in keys}):
            return {}
        names = ["pk", *natural_key, *[n for n in self.comparable if n not in natural_key]]
        if self.has_version:
            names.append("version")
        scope_path = None
        if with_scope and self.scope_field and self.scope_field != "pk":
            scope_path = f"{self.scope_field}__path"
            names.append(scope_path)
        qs = self.model._base_manager.filter(**{f"{natural_key[0]}__in": {k[0] for k in keys}})
        out = {}
        for row in qs.values(*names):
            key = tuple(row[n] for n in natural_key)
            if key in keys:
                if scope_path:
                    row["_scope_path"] = row.pop(scope_path)
                out[key] = row
        return out

    def _any_exists(self, name: str, values: set) -> bool:
        """One indexed probe before the full read: a first import matches nothing."""
        column = self.by_name[name].column if name in self.by_name else name
        marks = ", ".join(["%s"] * len(values))
        sql = (
            f"SELECT 1 FROM {self._q(self.table)} "  # noqa: S608
            f"WHERE {self._q(column)} IN ({marks}) LIMIT 1"
        )
        with self.connection.cursor() as cur:
            cur.execute(sql, list(values))
            return cur.fetchone() is not None

    def pks(self, natural_key: Sequence[str], keys: Iterable[tuple]) -> dict[tuple, int]:
        keys = set(keys)
        qs = self.model._base_manager.filter(**{f"{natural_key[0]}__in": {k[0] for k in keys}})
        out = {}
        for pk, *rest in qs.values_list("pk", *natural_key):
            key = tuple(rest)
            if key in keys:
                out[key] = pk
        return out

    # --- audit -----------------------------------------------------------------------------

    def create_changes(self, pk: int, fields: dict[str, Any], db_row: Sequence[Any]) -> dict:
        """The ``changes`` of a create entry, as ``audit.snapshot`` would write them."""
        out = {}
        for f in self.audited:
            if f.primary_key:
                out[f.name] = pk
            elif f.name in self.personal:
                out[f.name] = db_row[self._position[f.name]]
            else:
                v = fields.get(f.name, _MISSING)
                out[f.name] = _plain(self.defaults.get(f.name) if v is _MISSING else v)
        return out

    def event(
        self, action: str, pk: int, *, changes: dict, object_repr: str, area_path: str
    ) -> audit.Event:
        return audit.Event(
            action=action,
            object_type=self.object_type,
            object_id=str(pk),
            object_repr=object_repr,
            area_path=area_path,
            changes=changes,
        )

    def diff(self, old: dict[str, Any], fields: dict[str, Any]) -> dict[str, list]:
        """``{field: [old, new]}`` for fields whose value changes (plaintext comparison)."""
        changes = {}
        for name, new in fields.items():
            if name in self.derived_names or name not in self.by_name:
                continue
            before = old.get(name)
            if name in self.personal:
                if (before or "") == (new or ""):
                    continue
            elif before == new:
                continue
            changes[name] = [before, new]
        return changes

    def update_params(self, names: tuple[str, ...], fields: dict[str, Any]) -> list[Any]:
        return [
            self.derived_value(self.by_name[n], fields)
            if n in self.derived_names
            else self.db_value(self.by_name[n], fields.get(n))
            for n in names
        ]

    def update_names(self, changed: Iterable[str]) -> tuple[str, ...]:
        """Changed fields plus the derived fields (indexes, search keys) that follow them."""
        names = list(changed)
        for n in list(names):
            names.extend(f.name for f in self.derived.get(n, ()))
        return tuple(names)

    def update_changes(self, diff: dict[str, list], params: dict[str, Any]) -> dict[str, list]:
        """Audit view of a diff: personal values encrypted, dates as ISO text."""
        out = {}
        for name, (old, new) in diff.items():
            if name in self.personal:
                out[name] = [crypto.encrypt(old) if old else old, params[name]]
            else:
                out[name] = [_plain(old), _plain(new)]
        return out


AUDIT_CREATE = AuditAction.CREATE
AUDIT_UPDATE = AuditAction.UPDATE

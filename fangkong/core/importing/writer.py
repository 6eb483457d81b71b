"""Bulk writing for imports: raw ``executemany`` producing exactly what the model would store.

No model instances per row: values are converted field by field from the model's own
declaration (``EncryptedTextField`` → ``crypto.encrypt``, ``BlindIndexField`` →
``index_value``, ``SearchKeyField`` → ``name_keys``, ``auto_now`` → the import's timestamp,
``version`` 1 on insert and +1 on update). Audit events are collected for ``record_many``.
"""

from __future__ import annotations

import datetime
import hmac
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import models

from fangkong.core import audit, crypto, sequences
from fangkong.core.models.audit import AuditAction
from fangkong.core.personal import (
    KINDS,
    TRANSFORMS,
    BlindIndexField,
    EncryptedTextField,
)
from fangkong.core.search import _KEY_PARTS, SearchKeyField, compute_name_keys

# Field classes whose Python value is already what the database driver takes.
_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.ForeignKey,
    models.BooleanField,
)
_MISSING = object()
# Blind indexes remembered per narrowed value (e.g. last four digits: at most ~11,000).
_NARROWED_MEMO = 50_000
_SEP = "\x1f"
# Values ``audit._plain`` returns unchanged.
_SIMPLE_TYPES = frozenset({str, int, bool, float, type(None)})


def _static_default(f: models.Field) -> Any:
    """What a row leaving ``f`` out stores. A field with only a database default
    (``db_default``) gets that literal: the writer names every column in its INSERT, so the
    ``DatabaseDefault`` marker ``get_default`` returns would reach the driver."""
    if f.has_db_default() and not f.has_default():
        if isinstance(f.db_default, models.Value):
            return f.db_default.value
        if not hasattr(f.db_default, "resolve_expression"):
            return f.db_default
        raise TypeError(f"{f!r}: the import writer needs a literal db_default")
    return f.get_default()


class NameKeyCache:
    """``search.name_keys`` for one import, cached in bounded memory.

    pypinyin takes ~30 µs a name and a city has hundreds of thousands of distinct names, so
    names are cached; ``name_keys``' own LRU cache would hold ~100 MB at its size, so the
    uncached function is used here with two generations of at most ``size`` names each,
    the three keys joined into one string (~250 bytes a name in all).
    """

    def __init__(self, size: int = 40_000):
        self.size = size
        self.young: dict[str, str] = {}
        self.old: dict[str, str] = {}
        self._compute = compute_name_keys  # no LRU (nor OpenCC's) beside this cache
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

    def __init__(
        self,
        model: type[models.Model],
        *,
        connection,
        now: datetime.datetime,
        audited: Sequence[str] | None = None,
    ):
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
        self._encrypt = crypto.encryptor()
        self._index_fns: dict[str, Callable[[Any], str | None]] = {}
        self._normalizers: dict[str, Callable[[Any], str]] = {}
        self._key_getters: dict[tuple[str, ...], list[Callable[[dict[str, Any]], Any]]] = {}
        # What the audit trail shows of a row (same rule as ``audit.snapshot``), or only the
        # fields an importer names (an account's entry never holds its password hash).
        self.audited = [
            f
            for f in meta.concrete_fields
            if f.name not in audit.SKIP_FIELDS
            and (f.editable or f.name in self.personal)
            and (audited is None or f.primary_key or f.name in audited)
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
                default = _static_default(f)
                # a TextChoices member → its plain value
                self.defaults[f.name] = str(default) if isinstance(default, str) else default
        self._position = {f.name: i for i, f in enumerate(self.fields)}
        self._insert_convs = [self._converter(f) for f in self.fields]
        self._sealer: Callable[[dict[str, Any]], tuple] | None = None
        self._insert_sql = self._build_insert_sql()
        columns = ", ".join(self._q(f.column) for f in self.fields)
        self._copy_sql = f"COPY {self._q(self.table)} ({columns}) FROM STDIN"
        self._sequence: str | None = None  # PostgreSQL: the pk's sequence (``_draw_ids``)
        self._copy_pk_sql = (
            f"COPY {self._q(self.table)} ({self._q(self.pk.column)}, {columns}) FROM STDIN"
        )
        # (name, position in an insert row for personal fields / -1 for the pk / None,
        # default) for ``create_changes_json``.
        self._audit_plan = [
            (
                f.name,
                -1
                if f.primary_key
                else (self._position[f.name] if f.name in self.personal else None),
                self.defaults.get(f.name),
            )
            for f in self.audited
        ]
        # The same, sorted by name with each key's JSON text: ``create_changes_json``.
        self._audit_json_plan = [
            (name, f'"{name}":', position, default)
            for name, position, default in sorted(self._audit_plan, key=lambda p: p[0])
        ]
        self.scope_field = getattr(model, "scope_field", None)
        self.object_type = audit.object_type(model)

    # --- value conversion --------------------------------------------------------------

    def db_value(self, f: models.Field, value: Any) -> Any:
        """One Python value → the database value the ORM would send for field ``f``."""
        if f.name in self.personal:
            return self._encrypt(value) if value else ("" if value is None else value)
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
            index = self._index_fns.get(f.name)
            if index is None:
                index = self._index_fns[f.name] = self._index_function(f)
            return index(raw)
        if not raw:
            return ""
        return self.names.parts(raw)[_KEY_PARTS[f.key]][: f.max_length]

    def _normalizer(self, kind: str) -> Callable[[Any], str]:
        """``KINDS[kind].normalize`` remembering its last value: a row's indexes of one
        source (an ID number's full and last-4 index) normalise the same value in turn."""
        fn = self._normalizers.get(kind)
        if fn is None:
            normalize = KINDS[kind].normalize
            last = [_MISSING, ""]

            def fn(raw):
                if raw is last[0] and raw is not _MISSING:
                    return last[1]
                value = normalize(raw)
                last[0], last[1] = raw, value
                return value

            self._normalizers[kind] = fn
        return fn

    def _index_function(self, f: BlindIndexField) -> Callable[[Any], str | None]:
        """``index_value`` for field ``f`` with its settings bound (same value, less work)."""
        normalize = self._normalizer(self.by_name[f.source].kind)
        transform = TRANSFORMS[f.transform]
        prefix = f"{f.purpose}:"
        key = crypto._index_key()
        digest = hmac.digest
        if not f.transform:

            def index(raw):
                value = transform(normalize(raw))
                if not value:
                    return None
                return digest(key, (prefix + value).encode(), "sha256")[:16].hex()

            return index
        # A narrowed value (the last four digits) takes few distinct values: one HMAC each.
        memo: dict[str, str] = {}

        def narrowed_index(raw):
            value = transform(normalize(raw))
            if not value:
                return None
            h = memo.get(value)
            if h is None:
                h = digest(key, (prefix + value).encode(), "sha256")[:16].hex()
                if len(memo) < _NARROWED_MEMO:
                    memo[value] = h
            return h

        return narrowed_index

    def _converter(self, f: models.Field) -> Callable[[dict[str, Any]], Any]:
        name = f.name
        if name in self.derived_names:
            source = f.source
            if isinstance(f, BlindIndexField):
                index = self._index_function(f)

                def blind(fields):
                    v = fields.get(name, _MISSING)
                    return index(fields.get(source)) if v is _MISSING else v

                return blind
            part, cut, parts = _KEY_PARTS[f.key], f.max_length, self.names.parts

            def search_key(fields):
                v = fields.get(name, _MISSING)
                if v is not _MISSING:
                    return v
                raw = fields.get(source)
                return parts(raw)[part][:cut] if raw else ""

            return search_key
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            return lambda fields: self.now_db
        if name == "version" and self.has_version:
            return lambda fields: 1
        default = self.defaults.get(name)
        if name in self.personal:
            encrypt = self._encrypt

            def personal(fields):
                v = fields.get(name)
                return encrypt(v) if v else (default if v is None else v)

            return personal
        if isinstance(f, _PLAIN) and not isinstance(f, models.DateField):

            def plain(fields):
                v = fields.get(name, _MISSING)
                return default if v is _MISSING else v

            return plain

        if isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField):
            adapt_date = self.connection.ops.adapt_datefield_value

            def date(fields):
                v = fields.get(name, _MISSING)
                if v is _MISSING:
                    v = default
                return None if v is None else adapt_date(v)

            return date

        def generic(fields):
            v = fields.get(name, _MISSING)
            return self.db_value(f, default if v is _MISSING else v)

        return generic

    def insert_row(self, fields: dict[str, Any]) -> list[Any]:
        for f in self.callable_defaults:
            if f.name not in fields:
                fields[f.name] = f.get_default()
        return [conv(fields) for conv in self._insert_convs]

    # --- rows prepared ahead in a worker process (``pipeline``) ----------------------------

    def seal(self, fields: dict[str, Any]) -> tuple:
        """A row's insert values and its create entry's ``changes`` text around the pk,
        computed now (in a worker) with a snapshot of the fields they came from: valid while
        the inserting process leaves the fields as they are (``unsealed``).

        The same values as ``insert_row`` and ``_changes_parts`` (a test holds them equal),
        from one function compiled for the model (``_compile_seal``): per row, the calls of
        ~25 converters and the audit plan's loop were most of the worker's Python time."""
        if self._sealer is None:
            self._sealer = self._compile_seal()
        return self._sealer(fields)

    def _seal_generic(self, fields: dict[str, Any]) -> tuple:
        row = self.insert_row(fields)
        return (tuple(fields.values()), row, *self._changes_parts(fields, row))

    def _compile_seal(self) -> Callable[[dict[str, Any]], tuple]:
        """``_seal_generic`` unrolled for this model's fields into one function's source."""
        env: dict[str, Any] = {
            "MISSING": _MISSING,
            "now_db": self.now_db,
            "encrypt": self._encrypt,
            "parts": self.names.parts,
            "text": audit._text,
            "scalar": audit.json_scalar,
            "plain_value": _plain,
            "simple": _SIMPLE_TYPES,
            "adapt_date": self.connection.ops.adapt_datefield_value,
        }
        body = ["    get = fields.get"]
        for i, f in enumerate(self.callable_defaults):
            env[f"cd{i}"] = f
            body.append(
                f"    if {f.name!r} not in fields: fields[{f.name!r}] = cd{i}.get_default()"
            )
        sources_done: set[str] = set()
        for i, f in enumerate(self.fields):
            name, default = f.name, self.defaults.get(f.name)
            env[f"d{i}"] = default
            if name in self.derived_names and isinstance(f, BlindIndexField):
                env[f"ix{i}"] = self._index_function(f)
                body.append(f"    c{i} = get({name!r}, MISSING)")
                body.append(f"    if c{i} is MISSING: c{i} = ix{i}(get({f.source!r}))")
            elif name in self.derived_names:  # a search key
                src = f"s_{f.source}"
                if f.source not in sources_done:
                    sources_done.add(f.source)
                    body.append(f"    {src} = get({f.source!r})")
                    body.append(f"    {src} = parts({src}) if {src} else None")
                cut, part = f.max_length, _KEY_PARTS[f.key]
                body.append(f"    c{i} = get({name!r}, MISSING)")
                body.append(
                    f"    if c{i} is MISSING: c{i} = {src}[{part}][:{cut}] "
                    f"if {src} is not None else ''"
                )
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                body.append(f"    c{i} = now_db")
            elif name == "version" and self.has_version:
                body.append(f"    c{i} = 1")
            elif name in self.personal:
                body.append(f"    c{i} = get({name!r})")
                body.append(
                    f"    c{i} = encrypt(c{i}) if c{i} else (d{i} if c{i} is None else c{i})"
                )
            elif isinstance(f, _PLAIN) and not isinstance(f, models.DateField):
                body.append(f"    c{i} = get({name!r}, d{i})")
            elif isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField):
                body.append(f"    c{i} = get({name!r}, d{i})")
                body.append(f"    if c{i} is not None: c{i} = adapt_date(c{i})")
            else:
                env[f"conv{i}"] = self._insert_convs[i]
                body.append(f"    c{i} = conv{i}(fields)")
        body.append(f"    row = [{', '.join(f'c{i}' for i in range(len(self.fields)))}]")
        # The audit ``changes`` (``_changes_parts``): JSON text of each value, in key order.
        pieces: list[list[str]] = [[]]
        for j, (name, key, position, default) in enumerate(self._audit_json_plan):
            if position is not None and position < 0:
                pieces[-1].append(key)
                pieces.append([])
                continue
            if position is None:
                env[f"a{j}"] = default
                body.append(f"    v = get({name!r}, a{j})")
                body.append(
                    f"    j{j} = text(v) if type(v) is str else "
                    f"scalar(v if type(v) in simple else plain_value(v))"
                )
            else:  # a stored (encrypted) value, as ``_changes_parts`` takes it
                body.append(f"    v = c{position}")
                body.append(f"    j{j} = text(v) if type(v) is str else scalar(v)")
            pieces[-1].append(f"{key}{{j{j}}}")
        head = "{{" + ",".join(pieces[0])
        if len(pieces) == 1:
            body.append(f"    return tuple(fields.values()), row, f'{head}}}}}', None")
        else:
            tail = ("," + ",".join(pieces[1]) if pieces[1] else "") + "}}"
            body.append(f"    return tuple(fields.values()), row, f'{head}', f'{tail}'")
        source = "def seal(fields):\n" + "\n".join(body) + "\n"
        exec(compile(source, f"<seal {self.table}>", "exec"), env)  # noqa: S102
        return env["seal"]

    @staticmethod
    def unsealed(fields: dict[str, Any], sealed: Sequence | None) -> Sequence | None:
        """``sealed`` if ``fields`` are still what it was computed from, else ``None``
        (e.g. the inserting process linked the row to a household since)."""
        if sealed is not None and tuple(fields.values()) == sealed[0]:
            return sealed
        return None

    def fresh_encryptor(self) -> None:
        """A new nonce pool: a forked process must never reuse its parent's nonces."""
        self._encrypt = crypto.encryptor()
        self._insert_convs = [self._converter(f) for f in self.fields]
        self._sealer = None

    @property
    def returns_pks(self) -> bool:
        """Whether ``insert`` gives the new rows' pks (else ``pks`` looks them up by key)."""
        return self.auto_pk and self.connection.vendor in ("sqlite", "postgresql")

    # --- SQL ---------------------------------------------------------------------------

    def _q(self, name: str) -> str:
        return self.connection.ops.quote_name(name)

    def _build_insert_sql(self) -> str:
        cols = ", ".join(self._q(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        return f"INSERT INTO {self._q(self.table)} ({cols}) VALUES ({marks})"  # noqa: S608

    def insert(self, rows: Sequence[Sequence[Any]]) -> list[int] | None:
        """Insert ``rows`` and return their pks when ``returns_pks`` (else ``None``: use
        ``pks``, a look-up by key).

        SQLite has one writer at a time and the tables use AUTOINCREMENT, so the rows of one
        ``executemany`` get consecutive ids ending at ``last_insert_rowid()``. On PostgreSQL
        the ids are drawn from the table's sequence first and written with the rows.
        """
        if not rows:
            return []
        with self.connection.cursor() as cur:
            if self.connection.vendor == "postgresql":
                ids = self._draw_ids(cur, len(rows)) if self.returns_pks else None
                # COPY: one stream instead of a statement per row (psycopg 3 adapts the same
                # Python values executemany would send).
                with cur.cursor.copy(self._copy_sql if ids is None else self._copy_pk_sql) as copy:
                    if ids is None:
                        for row in rows:
                            copy.write_row(row)
                    else:
                        for pk, row in zip(ids, rows, strict=True):
                            copy.write_row((pk, *row))
                return ids
            cur.executemany(self._insert_sql, rows)
            if not self.returns_pks:
                return None
            cur.execute("SELECT last_insert_rowid()")
            last = cur.fetchone()[0]
        return list(range(last - len(rows) + 1, last + 1))

    def _draw_ids(self, cur, n: int) -> list[int]:
        if self._sequence is None:  # the pk's own sequence, looked up once
            cur.execute(
                "SELECT pg_get_serial_sequence(%s, %s)", [self._q(self.table), self.pk.column]
            )
            self._sequence = cur.fetchone()[0]
        return sequences.draw(cur, self._sequence, n)

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
        natural_key = tuple(natural_key)  # a list works too
        getters = self._key_getters.get(natural_key)
        if getters is None:
            getters = self._key_getters[natural_key] = [
                self._key_getter(name) for name in natural_key
            ]
        return tuple([get(fields) for get in getters])

    def _key_getter(self, name: str) -> Callable[[dict[str, Any]], Any]:
        f = self.by_name[name]
        if not isinstance(f, BlindIndexField):
            return lambda fields: fields.get(name)
        index = self._index_fns.get(name)
        if index is None:
            index = self._index_fns[name] = self._index_function(f)
        source = f.source

        def blind(fields):
            v = fields.get(name, _MISSING)
            return index(fields.get(source)) if v is _MISSING else v

        return blind

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

    def create_changes_json(self, pk: int, fields: dict[str, Any], db_row: Sequence[Any]) -> str:
        """The ``changes`` of a create entry as ``audit.snapshot`` would write them, already
        JSON-encoded (``audit._dumps``' text, written out key by key in sorted order: the
        encoder's dict handling was most of an import's audit cost)."""
        head, tail = self._changes_parts(fields, db_row)
        return f"{head}{pk}{tail}" if tail is not None else head

    def _changes_parts(self, fields: dict[str, Any], db_row: Sequence[Any]) -> tuple:
        """``create_changes_json`` before and after the pk (``(text, None)`` without one)."""
        get, simple, scalar = fields.get, _SIMPLE_TYPES, audit.json_scalar
        parts, head = [], None
        for name, key, position, default in self._audit_json_plan:
            if position is None:
                v = get(name, _MISSING)
                if v is _MISSING:
                    v = default
                parts.append(key + scalar(v if type(v) in simple else _plain(v)))
            elif position < 0:
                head = "{" + ",".join([*parts, key])
                parts = [""]
            else:
                parts.append(key + scalar(db_row[position]))
        if head is None:
            return "{" + ",".join(parts) + "}", None
        return head, ",".join(parts) + "}" if len(parts) > 1 else "}"

    def event(
        self,
        action: str,
        pk: int,
        *,
        changes: dict | None = None,
        object_repr: str,
        area_path: str,
        changes_json: str | None = None,
    ) -> audit.Event:
        return audit.Event(
            action=action,
            object_type=self.object_type,
            object_id=str(pk),
            object_repr=object_repr,
            area_path=area_path,
            changes={} if changes is None else changes,
            changes_json=changes_json,
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
                out[name] = [self._encrypt(old) if old else old, params[name]]
            else:
                out[name] = [_plain(old), _plain(new)]
        return out


AUDIT_CREATE = AuditAction.CREATE
AUDIT_UPDATE = AuditAction.UPDATE

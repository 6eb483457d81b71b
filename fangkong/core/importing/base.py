"""Declarative importers: what a spreadsheet's columns mean and how a row becomes a record.

An importer names its target model, its columns (Chinese header, aliases, parser, required),
its natural key (for idempotent upsert) and a ``build`` function from parsed cells to model
field values; the engine (``engine.run_import``) does everything else. Register it with
``@register`` in an app's ``importers.py``; ``get_importer("registry.resident")`` finds it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from . import parsers

if TYPE_CHECKING:
    import datetime

    from django.db import models


_BRACKETED_HINT = re.compile(r"[(\[【][^()\[\]【】]*[)\]】]$")


def normalize_header(value: Any) -> str:
    """``姓 名*`` → ``姓名``, ``身份证号（必填）`` → ``身份证号``; full-width and case folded."""
    if value is None:
        return ""
    s = unicodedata.normalize("NFKC", parsers.cell_text(value))
    s = "".join(s.split()).strip("*")
    s = _BRACKETED_HINT.sub("", s).strip("*")
    return s.lower()


@dataclass(frozen=True)
class Column:
    """One spreadsheet column. ``header`` is the Chinese column name (mark it ``gettext_noop``)."""

    key: str
    header: str
    aliases: tuple[str, ...] = ()
    parser: Callable[[Any, Any], Any] = field(default=parsers.text())
    required: bool = False
    help: str = ""
    example: str = ""
    # The template formats this column as text so Excel keeps long digit strings intact.
    as_text: bool = False
    # False: a column only some other file has (a list's export), read to refuse its rows;
    # the template leaves it out.
    in_template: bool = True

    def names(self) -> set[str]:
        return {normalize_header(n) for n in (self.header, _(self.header), *self.aliases)}


# The headers people give these columns in the lists they already keep.
ID_NUMBER_ALIASES = ("身份证号码", "公民身份号码", "证件号码", "身份证", "身份证件号码")
PHONE_ALIASES = ("手机", "手机号", "手机号码", "电话", "联系方式")


def id_number_column(*, help: str = gettext_noop("18 位居民身份证号，请设置为文本格式")) -> Column:
    """A person's resident ID number: required, checked by python-stdnum, kept as text."""
    return Column(
        "id_number",
        gettext_noop("身份证号"),
        ID_NUMBER_ALIASES,
        parsers.parse_id_number,
        required=True,
        help=help,
        example="510411199001011230",
        as_text=True,
    )


def phone_column(key: str = "phone") -> Column:
    """A phone number (mobile, or a landline with its area code), kept as text."""
    return Column(
        key,
        gettext_noop("联系电话"),
        PHONE_ALIASES,
        parsers.parse_phone,
        help=gettext_noop("11 位手机号或带区号的固定电话"),
        example="13800001234",
        as_text=True,
    )


@dataclass
class ImportContext:
    """What one import run knows: who, where, when, and per-run caches."""

    actor: Any
    area: Any
    now: datetime.datetime
    system: bool = False
    dry_run: bool = False
    cache: dict = field(default_factory=dict)
    area_paths: dict[int, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    # Importer-specific settings of the run (e.g. ``{"campaign_id": 7}``), JSON-serialisable.
    options: dict[str, Any] = field(default_factory=dict)
    writer: Any = None  # engine.ModelWriter factory access, set by the engine
    today: datetime.date | None = None  # the local date at ``now``, set by the engine

    def count(self, key: str, n: int = 1) -> None:
        self.extra[key] = self.extra.get(key, 0) + n


class PendingRow:
    """An accepted row waiting for its batch to be written."""

    __slots__ = ("cells", "errors", "fields", "key", "pk", "row", "sealed", "values")

    def __init__(self, row: int, cells: list, values: dict, fields: dict, key: tuple):
        self.row = row
        self.cells = cells
        self.values = values
        self.fields = fields
        self.key = key
        self.errors: list[tuple[str, str]] = []
        self.pk: Any = None  # the written (or matched) record's pk, set before ``after_batch``
        self.sealed: Sequence | None = None  # values computed ahead by a worker (``writer.seal``)

    def reject(self, column_key: str, message: str) -> None:
        self.errors.append((column_key, message))


class Importer:
    """Base class: subclass, declare, and ``@register``."""

    key: ClassVar[str]
    model: ClassVar[type[models.Model]]
    label: ClassVar[str]
    permission: ClassVar[str]
    columns: ClassVar[tuple[Column, ...]]
    # Model field names identifying a row across imports; a BlindIndexField is computed
    # from its source column. Rows matching an existing record update it.
    natural_key: ClassVar[tuple[str, ...]]
    # Column whose cell an error about the natural key (duplicates, foreign rows) is shown on.
    key_column: ClassVar[str]
    min_header_matches: ClassVar[int] = 2
    batch_size: ClassVar[int] = 2000
    # The fields a created row's audit entry shows; ``None``: all of them, as
    # ``audit.snapshot`` (an account's entry shows what opening one by hand records).
    audited_fields: ClassVar[tuple[str, ...] | None] = None
    # The parsed values (``PendingRow.values``) this importer's batch hooks read; a worker
    # process sends only these back with a row it evaluated (``None``: all of them).
    kept_values: ClassVar[tuple[str, ...] | None] = None

    def __init__(self, ctx: ImportContext):
        self.ctx = ctx

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        """Parsed cells (by column key; blanks absent) → model field values (FKs as pks).

        Leave a field out to keep an existing record's value on update (and use the model
        default on insert). Raise ``ValidationError({column_key: message})`` for row errors.
        """
        raise NotImplementedError

    def key_fields(self, values: dict[str, Any]) -> dict[str, Any] | None:
        """Model field values that determine the natural key, from the parsed cells.

        Called before ``build`` so duplicates within the file are found even on rows with
        other errors; ``None`` when the key's column did not parse. The default suits a
        key column whose parser returns the source field's value.
        """
        if self.key_column not in values:
            return None
        field = self.model._meta.get_field(self.natural_key[0])
        return {getattr(field, "source", "") or field.name: values[self.key_column]}

    def check(self, fields: dict[str, Any], values: dict[str, Any]) -> None:
        """Optional cross-field check; raise ``ValidationError({column_key: message})``."""

    def begin(self) -> None:
        """Optional: inside the import's transaction, before the first row is looked up, take
        the locks the importer's rules share with the services that write the same records
        (``core.services.lock_rows`` / ``lock_named``), so that a form saved meanwhile is
        seen, not written again."""

    def prepare_batch(self, rows: list[PendingRow]) -> None:
        """Optional: resolve what needs the database for a whole batch (e.g. create households).

        Call ``row.reject(column_key, message)`` to reject a row at this stage.
        """

    def merge(self, old: dict[str, Any], fields: dict[str, Any]) -> None:
        """Optional: adjust ``fields`` for an existing record (``old``: its current values).

        Raise ``ValidationError({column_key: message})`` to reject the row instead.
        """

    def after_batch(self, rows: list[PendingRow]) -> None:
        """Optional: write what depends on the batch's records (``row.pk`` is set).

        Runs inside the import's transaction (so dry runs and rollbacks cover it) for every
        accepted row of the batch, unchanged ones included. It must not reject rows.
        """

    @classmethod
    def upload_url(cls, options: dict[str, Any]) -> str:
        """Where the web UI uploads a file for this importer (for “重新上传”); "" if none."""
        return ""

    @classmethod
    def result_html(cls, request, job) -> str:
        """Optional: HTML shown on a finished import's result page below the counts (e.g. the
        accounts import's one-time download of initial passwords); "" for none."""
        return ""

    def object_repr(self, fields: dict[str, Any]) -> str:
        """Masked text for the audit entry of a row (never raw personal data)."""
        return ""

    def audit_reason(self) -> str:
        """Optional: the reason every audit entry of the run records (its records' entries, those
        ``create_records`` adds and the import's own), e.g. a basis the user gave for the whole
        file as the form's reason field; "" for none."""
        return ""

    def after_rows(self) -> None:
        """Optional: last work inside the import's transaction, once every row is written,
        before the engine decides whether the file commits: on a dry run too (whose rollback
        undoes what it writes, so a preview can show it) and on a file that is refused. What it
        adds to ``self.ctx.extra`` reaches the result (and the import's audit entry); what it
        writes is committed with the rows or rolled back with them. It must not reject rows;
        an exception rolls the whole file back."""

    def before_commit(self) -> None:
        """Optional: last work inside the import's transaction, once every row is written and
        the file is to be committed (not on a dry run or a refused file). What it adds to
        ``self.ctx.extra`` reaches the result; an exception rolls the whole file back."""

    def after_commit(self, result) -> None:
        """Optional: follow-up work once the file's rows are committed (e.g. derived data).

        Runs after the transaction; long work should be enqueued as a background task.
        """

    def foreign_row_message(self) -> str:
        return _("该记录已在本次导入范围之外登记，无法在此导入")

    @classmethod
    def header_map(cls) -> dict[str, Column]:
        table: dict[str, Column] = {}
        for col in cls.columns:
            for name in col.names():
                table.setdefault(name, col)
        return table

    @classmethod
    def column(cls, key: str) -> Column:
        for col in cls.columns:
            if col.key == key:
                return col
        raise KeyError(key)


_REGISTRY: dict[str, type[Importer]] = {}


def register(cls: type[Importer]) -> type[Importer]:
    if cls.key in _REGISTRY and _REGISTRY[cls.key] is not cls:
        raise ImproperlyConfigured(f"importer {cls.key!r} registered twice")
    _REGISTRY[cls.key] = cls
    return cls


def get_importer(key: str) -> type[Importer]:
    if key not in _REGISTRY:
        autodiscover_modules("importers")
    try:
        return _REGISTRY[key]
    except KeyError:
        raise ImproperlyConfigured(f"no importer registered as {key!r}") from None


def importers() -> dict[str, type[Importer]]:
    autodiscover_modules("importers")
    return dict(_REGISTRY)

"""The import engine: one streaming pass from a spreadsheet to the database, all or nothing.

``run_import`` reads the file (readers), finds the header row, parses and validates each row
with the importer's columns, rejects duplicates within the file, matches existing records
by natural key one batch at a time, writes with ``executemany`` (writer), appends audit
entries with ``record_many``, reports progress, and streams rejected rows to an .xlsx.

Counting: ``created`` rows had no record yet, ``updated`` rows changed at least one value,
``unchanged`` rows matched a record whose values are all equal (nothing is written for them).
The counts describe the file's evaluation: after a dry run, or a run rolled back because rows
were rejected, they say what would have happened; ``committed`` says whether it did.

Blank cells never overwrite an existing record's value on re-import; they mean "not given".
"""

from __future__ import annotations

import gc
import hashlib
import itertools
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fangkong.core import audit, dbfiles, dbstats
from fangkong.core.batches import batched
from fangkong.core.models.audit import AuditAction
from fangkong.core.services import lock_named, require_area, require_perm
from fangkong.formats import joined

from . import indexes, pipeline
from .base import Column, ImportContext, Importer, PendingRow, get_importer, normalize_header
from .readers import ImportFileError, Sheet, cannot_read, open_sheets
from .rejects import RejectWriter, reason_header
from .seen import SeenKeys
from .template import template_workbook
from .writer import ModelWriter

__all__ = [
    "Column",
    "ImportFileError",
    "ImportResult",
    "RowError",
    "create_records",
    "run_import",
    "summary",
    "template_workbook",
]

HEADER_SCAN_ROWS = 10
# How the rows below a paper form's table begin (合计 11人; 填表人：… 填表日期：…). Such a row
# that does not validate is the form's footer, not a record: passed over with a warning.
# Compared after NFKC (as ``_first_text`` reads a cell), so 注： is written 注:.
FOOTER_WORDS = (
    "合计", "总计", "小计", "共计", "填表人", "填报人", "制表人", "审核人", "负责人",
    "统计人", "填表日期", "填报日期", "制表日期", "填表单位", "填报单位", "注:", "说明:",
    "备注:",
)  # fmt: skip
# A paper list's row-number column (序号): nothing to import and nothing to warn about,
# unless an importer names such a column itself. Compared normalised (``normalize_header``).
ROW_NUMBER_HEADERS = frozenset({"序号", "行号", "no", "no.", "#"})
MAX_ERRORS = 1000
# SQLite's page cache for the import's connection, in KiB: a million-row import fills any
# cache it gets; 32 MB instead of the usual 64 MB made no difference to its speed (measured),
# and 16 MB leaves room for the worker process (1,000,000 rows: 312 MB summed with 32 MB).
SQLITE_IMPORT_CACHE_KIB = 16 * 1024
# The collector's first threshold during an import (Python's default: 700). A row makes and
# frees ~100 containers, so the default ran a collection every few rows: 11 % of the
# importing process's CPU at 100,000 rows with workers (which inherit the setting).
IMPORT_GC_THRESHOLD = 50_000
# A file that wrote this many records refreshes the planner statistics (``core.dbstats``).
STATS_MIN_ROWS = 10_000
_SQLITE_TEMP_FILE, _SQLITE_TEMP_MEMORY = 1, 2  # PRAGMA temp_store values


@dataclass
class RowError:
    row: int  # 1-based spreadsheet row, as Excel shows it
    field: str  # the column header as it appears in the file
    message: str


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int
    rejected: int
    total: int
    errors: list[RowError]
    committed: bool
    warnings: list[str]
    rejected_file: Path | None
    dry_run: bool = False
    # Counted side effects (e.g. households_created); the first MAX_ERRORS errors are kept.
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "total": self.total,
            "committed": self.committed,
            "dry_run": self.dry_run,
            "errors": [asdict(e) for e in self.errors],
            "errors_truncated": self.rejected > 0 and len(self.errors) >= MAX_ERRORS,
            "warnings": list(self.warnings),
            "rejected_file": str(self.rejected_file) if self.rejected_file else None,
            **self.extra,
        }


Progress = Callable[[int, int | None], None]


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def run_import(
    importer: str,
    path: Path,
    *,
    actor,
    area,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Progress | None = None,
    original_name: str | None = None,
    system: bool = False,
    options: dict[str, Any] | None = None,
) -> ImportResult:
    """Import ``path`` with the importer registered as ``importer`` into ``area``.

    ``actor`` needs the importer's permission and must see ``area``. ``system=True`` with
    ``actor=None`` is the command line acting as the system (audited as "system").
    ``options`` are importer-specific settings (``ctx.options``, e.g. a campaign id).
    Raises ``ImportFileError`` when the file cannot be read (nothing written).
    """
    cls = get_importer(importer)
    if area is None:
        raise ValueError("run_import needs an area")
    if not (system and actor is None):
        require_perm(actor, cls.permission)
        require_area(actor, area)
    path = Path(path)
    now = timezone.now()
    ctx = ImportContext(
        actor=actor,
        area=area,
        now=now,
        today=timezone.localdate(now),
        system=system,
        dry_run=dry_run,
        options=dict(options or {}),
    )
    ctx.area_paths[area.pk] = area.path
    run = _Run(cls(ctx), ctx, skip_invalid=skip_invalid, progress=progress)
    return run.execute(path, original_name or path.name)


class _Run:
    def __init__(self, importer: Importer, ctx: ImportContext, *, skip_invalid, progress):
        self.importer = importer
        self.ctx = ctx
        self.skip_invalid = skip_invalid
        self.progress = progress
        self.model = importer.model
        self.writer = ModelWriter(
            self.model, connection=connection, now=ctx.now, audited=importer.audited_fields
        )
        ctx.writer = self.writer
        ctx.cache["writers"] = {self.model: self.writer}
        ctx.cache["events"] = []
        self.natural_key = tuple(importer.natural_key)
        self.reason = importer.audit_reason()
        self.created = self.updated = self.unchanged = self.rejected = self.total = 0
        self.errors: list[RowError] = []
        self.pending: list[PendingRow] = []
        self.rejects: list[tuple[int, list, list[tuple[str, str]]]] = []
        self.seen: SeenKeys | None = None
        self.headers: dict[str, str] = {}
        self.reject_file: RejectWriter | None = None
        self.total_estimate: int | None = None
        # True when the table was empty as the import's transaction set its indexes aside:
        # no row of the file can match a record, so the batches look nothing up.
        self.first_load = False

    # --- driver --------------------------------------------------------------------------

    def execute(self, path: Path, name: str) -> ImportResult:
        try:
            digest = file_sha256(path) if path.exists() else ""
        except OSError:  # a folder, a file the platform's account may not read
            raise cannot_read(_("文件不存在或无法打开")) from None
        with open_sheets(path, name) as sheets:
            header_row, header, rows = self._find_header(sheets)
            self._plan(header)
            text_columns = [i for i, key, *_p in self.plan if self.importer.column(key).as_text]
            self.reject_file = RejectWriter(header, text_columns)
            try:
                with self._direct(), bounded_sqlite_cache(), _fewer_collections():
                    committed = self._write_all(header_row, rows, path, name, digest)
            except BaseException:
                self.reject_file.discard()
                raise
        if self.total == 0:
            self.ctx.warnings.append(_("表头以下没有数据行"))
        if self.rejected > len(self.errors):
            self.ctx.warnings.append(
                _("错误较多，仅列出前 %(n)d 条；全部未导入的行见退回文件") % {"n": MAX_ERRORS}
            )
        self.errors.sort(key=lambda e: e.row)
        result = ImportResult(
            created=self.created,
            updated=self.updated,
            unchanged=self.unchanged,
            rejected=self.rejected,
            total=self.total,
            errors=self.errors,
            committed=committed,
            warnings=self.ctx.warnings,
            rejected_file=self.reject_file.close(),
            dry_run=self.ctx.dry_run,
            extra=dict(self.ctx.extra),
        )
        if committed and (self.created or self.updated):
            # A large file's table is analysed outright; any file may have grown a table past
            # its statistics (a city's areas, its accounts), which ``refresh`` finds.
            big = self.created + self.updated >= STATS_MIN_ROWS
            dbstats.refresh(connection.alias, [self.writer.table] if big else ())
            self.importer.after_commit(result)
        return result

    def _direct(self):
        """A large file on SQLite written straight into the database when no other process
        has it open (``dbfiles.rollback_journal_while_alone``)."""
        least = settings.FANGKONG_IMPORT_SQLITE_DIRECT_MIN_ROWS
        if not least or (self.total_estimate or 0) < least:
            return nullcontext(False)
        return dbfiles.rollback_journal_while_alone(connection)

    def _write_all(self, header_row: int, rows, path: Path, name: str, digest: str) -> bool:
        with transaction.atomic():
            if not self.ctx.dry_run:
                # Two imports of one kind take turns (PostgreSQL; SQLite's write lock already
                # does): the same list sent by two people at once would otherwise have the
                # second look up the rows the first has not committed, insert them again and
                # fail on the unique key. It waits, then finds them stored.
                lock_named(f"import:{self.importer.key}")
            self.importer.begin()
            rebuild = self._defer_indexes()
            self._rows(header_row, rows)
            self._flush()
            self.importer.after_rows()
            self._flush_events()
            committed = not self.ctx.dry_run and (self.rejected == 0 or self.skip_invalid)
            if committed:
                indexes.rebuild(connection, rebuild)  # else the rollback restores them
                audit.record(self.ctx.actor, self._import_event(name, digest))
                self.importer.before_commit()
            else:
                transaction.set_rollback(True)
        return committed

    def _defer_indexes(self) -> list[str]:
        """Drop the table's (and on SQLite the audit log's) secondary indexes for a large
        first load (see ``indexes``); the statements that re-create them."""
        table = self.writer.table
        statements = indexes.set_aside_audit_indexes(connection, self.total_estimate)
        if not indexes.worth_deferring(connection, table, self.total_estimate):
            return statements
        by_name = self.writer.by_name
        lookups = [by_name[n].column if n in by_name else n for n in self.natural_key]
        statements += indexes.drop_secondary_indexes(connection, table, lookups)
        # Within-file duplicates are rejected by ``seen``; a record another writer adds
        # meanwhile (none can on SQLite, whose transaction holds the write lock, nor on
        # PostgreSQL once an index is dropped) would fail the unique index: a rollback.
        self.first_load = indexes.is_empty(connection, table)
        if self.first_load and self.writer.returns_pks:
            # Nor is anything looked up by the key, whose unique index SQLite would update
            # at a random page for every row (8 % of the importing process's CPU at
            # 1,000,000 residents; built once at the end instead).
            statements += indexes.drop_key_index(connection, table, lookups)
        return statements

    def _import_event(self, name: str, digest: str) -> audit.Event:
        return audit.Event(
            action=AuditAction.IMPORT,
            reason=self.reason,
            object_type=audit.object_type(self.model),
            object_repr=name[:200],
            area_path=self.ctx.area.path,
            changes={
                "importer": self.importer.key,
                "file": name,
                "sha256": digest,
                "created": self.created,
                "updated": self.updated,
                "unchanged": self.unchanged,
                "rejected": self.rejected,
                "total": self.total,
                "skip_invalid": self.skip_invalid,
                **self.ctx.extra,
            },
        )

    # --- header --------------------------------------------------------------------------

    def _find_header(self, sheets: Iterator[Sheet]) -> tuple[int, list, Iterator[list]]:
        table = self.importer.header_map()
        need = self.importer.min_header_matches
        for sheet in sheets:
            head = list(itertools.islice(sheet.rows, HEADER_SCAN_ROWS))
            best, best_i = 0, -1
            for i, row in enumerate(head):
                found = {table[n].key for n in map(normalize_header, row) if n in table}
                if len(found) > best:
                    best, best_i = len(found), i
            if best >= need:
                header, last = list(head[best_i]), best_i
                if best_i > 0:  # 姓名 merged down over two header rows: its text is above
                    above = _with_header_row(header, head[best_i - 1], table, below=False)
                    header = above or header
                if best_i + 1 < len(head):  # 返乡信息 over 从何地返回 | 返回日期
                    two = _with_header_row(header, head[best_i + 1], table, below=True)
                    if two is not None:
                        header, last = two, best_i + 1
                if sheet.total_rows:
                    self.total_estimate = max(sheet.total_rows - last - 1, 0)
                    if self.total_estimate > max_rows():
                        raise too_many_rows()
                return (
                    last + 1,
                    header,
                    _row_limited(itertools.chain(head[last + 1 :], sheet.rows), max_rows()),
                )
        raise ImportFileError(
            _("未找到表头：前 %(n)d 行中没有包含“%(a)s”“%(b)s”等列名的一行，请使用导入模板")
            % {
                "n": HEADER_SCAN_ROWS,
                "a": _(self.importer.columns[0].header),
                "b": _(self.importer.columns[1].header),
            }
        )

    def _plan(self, header: list) -> None:
        table = self.importer.header_map()
        plan, unknown, doubled = [], [], []
        reason = normalize_header(reason_header())
        used: set[str] = set()
        for idx, raw in enumerate(header):
            norm = normalize_header(raw)
            if not norm:
                continue
            col = table.get(norm)
            shown = " ".join(str(raw).split())
            if col is None:
                # A fixed rejected-rows file imported again has the reason column.
                if norm != reason and norm not in ROW_NUMBER_HEADERS:
                    unknown.append(shown)
            elif col.key in used:
                doubled.append(shown)
            else:
                used.add(col.key)
                self.headers[col.key] = shown
                plan.append((idx, col.key, col.parser, col.required))
        missing = [_(c.header) for c in self.importer.columns if c.required and c.key not in used]
        if missing:
            raise ImportFileError(
                _("缺少必填列：%(cols)s。请使用导入模板，或在表头中补上这些列")
                % {"cols": joined(missing)}
            )
        if unknown:
            self.ctx.warnings.append(
                _("以下列无法识别，已忽略：%(cols)s") % {"cols": joined(unknown)}
            )
        if doubled:
            self.ctx.warnings.append(
                _("以下列与前面的列重复，已忽略：%(cols)s") % {"cols": joined(doubled)}
            )
        self.plan = plan
        self.key_header = self._header(self.importer.key_column)

    def _header(self, key: str) -> str:
        if not key:
            return _("整行")
        if key in self.headers:
            return self.headers[key]
        try:
            return _(self.importer.column(key).header)
        except KeyError:
            return key

    # --- rows ----------------------------------------------------------------------------

    def _rows(self, header_row: int, rows: Iterator[list]) -> None:
        self._prepare_evaluation()
        numbered = ((n, cells) for n, cells in enumerate(rows, start=header_row + 1) if cells)
        workers = pipeline.workers_for(self.total_estimate)
        # With workers, the duplicate table gets its full size only after the fork: pages
        # the workers inherited and the importing process then wrote would stay in each.
        self.seen = SeenKeys(0 if workers else self.total_estimate or 0)
        if not workers:
            for rowno, cells in numbered:
                self._take(rowno, cells, self.evaluate(rowno, cells))
            return
        chunks = batched(numbered, self.importer.batch_size)
        # The first chunk here: it fills the caches (areas, names) the workers inherit.
        for rowno, cells in next(chunks, []):
            self._take(rowno, cells, self.evaluate(rowno, cells))
        second = next(chunks, None)
        if second is None:
            return
        chunks = itertools.chain([second], chunks)
        # Each worker keeps its own name cache: together no more than one process's, and
        # half that with two or more (their pages are private: 289 MB summed at 1,000,000
        # rows with two workers, against a bound of 300).
        share = workers if workers == 1 else 2 * workers
        self.writer.names.size = max(self.writer.names.size // share, 1000)
        pipe = pipeline.Pipeline(
            self._evaluate_sealed,
            workers=workers,
            ctx=self.ctx,
            on_fork=self._on_fork,
        )
        self.seen.reserve(self.total_estimate or 0)
        try:
            for chunk, results in pipe.map(chunks):
                for (rowno, cells), evaluated in zip(chunk, results, strict=True):
                    if evaluated == pipeline.BOUNCE:  # it needed the database
                        evaluated = self.evaluate(rowno, cells)
                    else:
                        evaluated = self._arrived(evaluated)
                    self._take(rowno, cells, evaluated)
        except BaseException:
            pipe.close(abort=True)
            raise
        pipe.close()

    def _on_fork(self) -> None:
        """In a worker: its own nonces; what only the importing process uses is let go."""
        self.seen = None
        self.pending, self.rejects = [], []
        self.writer.fresh_encryptor()

    def _prepare_evaluation(self) -> None:
        natural_key = self.natural_key
        self._derived_key = [
            (i, n) for i, n in enumerate(natural_key) if n in self.writer.derived_names
        ]
        self._required_msg = _("不能为空")

    def evaluate(self, rowno: int, cells: list) -> tuple | None:
        """Parse, validate and build one row; needs no database beyond cached lookups.

        ``None`` for a blank row, else ``(values, errors, key, fields, build_errors,
        sealed)``: ``errors`` of the cells, the natural ``key`` (or ``None``), and when the
        cells parsed, the model ``fields`` or the ``build_errors`` of ``build``/``check``;
        ``sealed`` is ``None`` here (see ``_evaluate_sealed``).
        """
        importer, ctx = self.importer, self.ctx
        width = len(cells)
        values: dict[str, Any] = {}
        errs: list[tuple[str, str]] = []
        blank = True
        for idx, key, parse, required in self.plan:
            raw = cells[idx] if idx < width else None
            if raw is not None and type(raw) is str:  # parsers.normalize_cell, inline
                if not raw.isascii():
                    raw = unicodedata.normalize("NFKC", raw)
                raw = raw.strip()
                if raw[:1] == "'":
                    # Excel's mark for "keep as text" ('510402…), written out by some
                    # systems' CSVs and by our own exports before a formula-like text.
                    raw = raw[1:].strip()
                raw = raw or None
            if raw is None:
                if required:
                    errs.append((key, self._required_msg))
                continue
            blank = False
            try:
                values[key] = parse(raw, ctx)
            except ValidationError as e:
                errs.append((key, e.messages[0]))
        if blank:
            return None  # a blank row, or one with text only in ignored columns
        nk = importer.key_fields(values)
        key = None if nk is None else self.writer.key_of(self.natural_key, nk)
        fields = None
        later: list[tuple[str, str]] = []
        if not errs:
            try:
                fields = importer.build(values)
                importer.check(fields, values)
            except ValidationError as e:
                later = _split(e)
                fields = None
            else:
                for i, name in self._derived_key:
                    fields[name] = key[i]
        return values, errs, key, fields, later, None

    def _evaluate_sealed(self, rowno: int, cells: list) -> tuple | None:
        """``evaluate`` in a worker: an accepted row's insert values (ciphertexts, blind
        indexes, search keys), audit ``changes``, ``object_repr`` and area path computed
        there too (``writer.seal``), valid while the fields stay as they are.

        What the importing process can tell itself stays out of what is sent back (pickled
        there, unpickled here: a sixth of a million-row import's CPU): the fields' snapshot
        (``_arrived`` takes it again) and the parsed values no hook reads
        (``Importer.kept_values``)."""
        evaluated = self.evaluate(rowno, cells)
        if evaluated is None or evaluated[3] is None:
            return evaluated
        values, errs, key, fields, later, _none = evaluated
        _snapshot, row, head, tail = self.writer.seal(fields)
        shown, path = self.importer.object_repr(fields), self.area_path(fields)
        sealed = [None, row, head, tail, shown, path]  # the snapshot's place: ``_arrived``
        kept = self.importer.kept_values
        if kept is not None:
            values = {k: values[k] for k in kept if k in values}
        return values, errs, key, fields, later, sealed

    @staticmethod
    def _arrived(evaluated: tuple | None) -> tuple | None:
        """A row from a worker with its fields' snapshot (``writer.unsealed``), taken as the
        fields arrive: what the worker sealed them from."""
        if evaluated is not None and evaluated[5] is not None:
            evaluated[5][0] = tuple(evaluated[3].values())
        return evaluated

    def _take(self, rowno: int, cells: list, evaluated: tuple | None) -> None:
        """Queue an evaluated row for its batch, in file order (duplicates found here)."""
        if evaluated is None:
            return
        values, errs, key, fields, later, sealed = evaluated
        self.total += 1
        if key is not None:
            first = self.seen.first_row(key, rowno)
            if first is not None:
                # A duplicate is not built (nor is its ``build`` error reported).
                errs = [
                    *errs,
                    (
                        self.importer.key_column,
                        _("与第 %(n)d 行%(col)s重复") % {"n": first, "col": self.key_header},
                    ),
                ]
        if errs and not later and _is_footer(cells):
            self.total -= 1
            self.ctx.warnings.append(
                _("第 %(n)d 行是表尾（%(text)s），不是记录，已跳过")
                % {"n": rowno, "text": _first_text(cells)}
            )
            return
        if not errs:
            errs = later
        if errs:
            self.rejects.append((rowno, cells, errs))
        else:
            row = PendingRow(rowno, cells, values, fields, key)
            row.sealed = sealed
            self.pending.append(row)
        if len(self.pending) + len(self.rejects) >= self.importer.batch_size:
            self._flush()

    def _reject(self, rowno: int, cells: list, errs: list[tuple[str, str]]) -> None:
        self.rejected += 1
        shown = [(self._header(k), m) for k, m in errs]
        for col, msg in shown:
            if len(self.errors) < MAX_ERRORS:
                self.errors.append(RowError(rowno, col, msg))
        reason = "；".join(f"{c}：{m}" for c, m in shown)
        self.reject_file.add(cells, _("第 %(n)d 行：%(reason)s") % {"n": rowno, "reason": reason})

    # --- batches -------------------------------------------------------------------------

    def _flush(self) -> None:
        rows, self.pending = self.pending, []
        rejects, self.rejects = self.rejects, []
        events = self.ctx.cache["events"]
        if rows:
            existing = self._existing(rows)
            self.importer.prepare_batch([r for r in rows if not r.errors])
            rejects.extend((r.row, r.cells, r.errors) for r in rows if r.errors)
            rows = [r for r in rows if not r.errors]
            self._write_batch(rows, existing, events)
            self.importer.after_batch([r for r in rows if not r.errors])
            rejects.extend((r.row, r.cells, r.errors) for r in rows if r.errors)
        self._flush_events()
        for rowno, cells, errs in sorted(rejects, key=lambda r: r[0]):
            self._reject(rowno, cells, errs)
        if self.progress is not None:
            self.progress(self.total, self.total_estimate)

    def _flush_events(self) -> None:
        """Audit the entries the batch (or ``after_rows``) queued, with the run's reason."""
        events = self.ctx.cache["events"]
        if not events:
            return
        if self.reason:
            for ev in events:
                ev.reason = ev.reason or self.reason
        audit.record_many(self.ctx.actor, events)
        events.clear()

    def _existing(self, rows: list[PendingRow]) -> dict[tuple, dict[str, Any]]:
        """Records the batch's keys already name; a record outside the area rejects its row."""
        if self.first_load:
            return {}
        existing = self.writer.existing(self.natural_key, [r.key for r in rows], with_scope=True)
        area_path = self.ctx.area.path
        for r in rows:
            old = existing.get(r.key)
            scope = old.get("_scope_path") if old else None
            if scope is not None and not scope.startswith(area_path):
                r.reject(self.importer.key_column, self.importer.foreign_row_message())
        return existing

    def _write_batch(self, rows: list[PendingRow], existing: dict, events: list) -> None:
        w, importer = self.writer, self.importer
        inserts, inserted = [], []
        groups: dict[tuple[str, ...], list[list[Any]]] = defaultdict(list)
        updates = []
        for r in rows:
            old = existing.get(r.key)
            if old is None:
                sealed = w.unsealed(r.fields, r.sealed)
                r.sealed = sealed
                inserts.append(w.insert_row(r.fields) if sealed is None else sealed[1])
                inserted.append(r)
                continue
            try:
                importer.merge(old, r.fields)
            except ValidationError as e:
                for key, message in _split(e):
                    r.reject(key, message)
                continue
            r.pk = old["pk"]
            diff = w.diff(old, r.fields)
            if not diff:
                self.unchanged += 1
                continue
            names = w.update_names(diff)
            params = w.update_params(names, r.fields)
            groups[names].append([*params, old["pk"]])
            updates.append((r, old["pk"], diff, dict(zip(names, params, strict=True))))
        new_pks = w.insert(inserts)
        if inserted:
            if new_pks is None:
                by_key = w.pks(self.natural_key, [r.key for r in inserted])
                new_pks = [by_key[r.key] for r in inserted]
            for r, db_row, pk in zip(inserted, inserts, new_pks, strict=True):
                r.pk = pk
                sealed, r.sealed = r.sealed, None
                if sealed is None:
                    changes = w.create_changes_json(pk, r.fields, db_row)
                    shown, area_path = importer.object_repr(r.fields), self.area_path(r.fields)
                else:
                    head, tail, shown, area_path = sealed[2:]
                    changes = head if tail is None else f"{head}{pk}{tail}"
                events.append(
                    w.event(
                        AuditAction.CREATE,
                        pk,
                        changes_json=changes,
                        object_repr=shown,
                        area_path=area_path,
                    )
                )
        w.update(groups)
        for r, pk, diff, params in updates:
            events.append(
                w.event(
                    AuditAction.UPDATE,
                    pk,
                    changes=w.update_changes(diff, params),
                    object_repr=importer.object_repr(r.fields),
                    area_path=self.area_path(r.fields),
                )
            )
        self.created += len(inserted)
        self.updated += len(updates)

    def area_path(self, fields: dict[str, Any]) -> str:
        return area_path_of(self.ctx, self.writer, fields)


@contextmanager
def _fewer_collections():
    """The cyclic collector run less often while rows stream through (few of their objects
    form cycles; those wait for the next collection), then set back."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], IMPORT_GC_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


@contextmanager
def bounded_sqlite_cache():
    """This SQLite connection with a bounded page cache and, outside a transaction,
    temporary storage in files: the rebuild of set-aside indexes (``indexes``) sorts a
    million keys, in memory under the deployment's ``temp_store = MEMORY`` (~90 MB more at
    1,000,000 rows), in cache-sized runs merged from a temporary file under ``FILE``; so does
    a background export's sort of a whole city's list (~900 MB in memory for 1,000,000
    residents).
    SQLite refuses the switch once a transaction holds temporary storage, so it is made
    before the import's transaction begins (a caller's open transaction keeps its setting)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cur:
        cur.execute("PRAGMA cache_size")
        before = cur.fetchone()[0]
        cur.execute("PRAGMA page_size")
        page_kib = cur.fetchone()[0] // 1024
        before_kib = -before if before < 0 else before * page_kib  # negative means KiB
        if before_kib > SQLITE_IMPORT_CACHE_KIB:
            cur.execute(f"PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KIB:d}")
        temp_store = None
        if not connection.in_atomic_block:
            cur.execute("PRAGMA temp_store")
            temp_store = cur.fetchone()[0]
            if temp_store == _SQLITE_TEMP_MEMORY:
                cur.execute(f"PRAGMA temp_store = {_SQLITE_TEMP_FILE:d}")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            if before_kib > SQLITE_IMPORT_CACHE_KIB:
                cur.execute(f"PRAGMA cache_size = {before:d}")
            if temp_store == _SQLITE_TEMP_MEMORY and not connection.in_atomic_block:
                cur.execute(f"PRAGMA temp_store = {temp_store:d}")


def area_path_of(ctx: ImportContext, writer: ModelWriter, fields: dict[str, Any]) -> str:
    """Path of a row's area for its audit entry (scope field holding an area pk)."""
    scope = writer.scope_field
    pk = fields.get(scope) if scope else None
    if pk is None:
        return ""
    path = ctx.area_paths.get(pk)
    if path is None:
        from fangkong.areas.models import Area

        path = ctx.area_paths[pk] = Area.objects.filter(pk=pk).values_list("path", flat=True)[0]
    return path


def _with_header_row(header: list, other: list, table: dict, *, below: bool) -> list | None:
    """``header`` completed by the cells of ``other``, the row above or below it in a
    two-row header (merged group titles such as 返乡信息 over 从何地返回 | 返回日期, 姓名
    merged down over both rows), or ``None`` when ``other`` adds no column.

    A row below is part of the header only if each of its filled cells stands where
    ``header`` has nothing or a title no column knows: a data row has values under the
    header's known columns (its name, its ID number). Above, group titles stand there."""
    found = {table[n].key for n in map(normalize_header, header) if n in table}
    merged, added = list(header), False
    for j, cell in enumerate(other):
        name = normalize_header(cell)
        if not name:
            continue
        if (normalize_header(header[j]) if j < len(header) else "") in table:
            if below:
                return None
            continue
        col = table.get(name)
        if col is not None and col.key not in found:
            found.add(col.key)
            added = True
            merged.extend([None] * (j + 1 - len(merged)))
            merged[j] = cell
    return merged if added else None


def _first_text(cells: list) -> str:
    for cell in cells:
        if cell is not None and str(cell).strip():
            return unicodedata.normalize("NFKC", str(cell)).replace(" ", "").strip()[:20]
    return ""


def _is_footer(cells: list) -> bool:
    return _first_text(cells).startswith(FOOTER_WORDS)


def max_rows() -> int:
    return int(getattr(settings, "FANGKONG_IMPORT_MAX_ROWS", 1_000_000))


def too_many_rows() -> ImportFileError:
    return ImportFileError(
        _("文件超过 %(n)s 行的导入上限，请分成几个文件导入") % {"n": f"{max_rows():,}"}
    )


def _row_limited(rows: Iterator[list], limit: int) -> Iterator[list]:
    """The rows below the header, refusing the file at row ``limit + 1`` (a sheet's size
    on record can be missing or wrong, so the stream itself is counted)."""
    for n, row in enumerate(rows, start=1):
        if n > limit:
            raise too_many_rows()
        yield row


def _split(e: ValidationError) -> list[tuple[str, str]]:
    if hasattr(e, "error_dict"):
        return [(k, msgs[0]) for k, msgs in e.message_dict.items()]
    return [("", e.messages[0])]


def create_records(
    ctx: ImportContext,
    model,
    rows: list[dict[str, Any]],
    *,
    key: tuple[str, ...],
    object_repr: Callable[[dict[str, Any]], str] = lambda fields: "",
) -> dict[tuple, int]:
    """Insert related records an importer needs (e.g. households), audited with the batch.

    ``rows`` are model field values; returns ``{natural key tuple: pk}``.
    """
    writers = ctx.cache["writers"]
    w = writers.get(model)
    if w is None:
        w = writers[model] = ModelWriter(model, connection=connection, now=ctx.now)
    db_rows = [w.insert_row(f) for f in rows]
    new_pks = w.insert(db_rows)
    keys = [w.key_of(key, f) for f in rows]
    pks = w.pks(key, keys) if new_pks is None else dict(zip(keys, new_pks, strict=True))
    events = ctx.cache["events"]
    for fields, db_row, k in zip(rows, db_rows, keys, strict=True):
        pk = pks[k]
        events.append(
            w.event(
                AuditAction.CREATE,
                pk,
                changes_json=w.create_changes_json(pk, fields, db_row),
                object_repr=object_repr(fields),
                area_path=area_path_of(ctx, w, fields),
            )
        )
    return pks


def summary(result: ImportResult) -> str:
    """One line in Chinese describing a result, for the command line and messages."""
    parts = [
        ngettext("新增 %(n)d 条", "新增 %(n)d 条", result.created) % {"n": result.created},
        ngettext("更新 %(n)d 条", "更新 %(n)d 条", result.updated) % {"n": result.updated},
        ngettext("未变化 %(n)d 条", "未变化 %(n)d 条", result.unchanged) % {"n": result.unchanged},
        ngettext("未导入 %(n)d 行", "未导入 %(n)d 行", result.rejected) % {"n": result.rejected},
    ]
    text = "，".join(parts)
    if result.dry_run:
        return _("预检完成（未写入）：%(s)s") % {"s": text}
    if not result.committed:
        return _("有错误，未写入任何数据：%(s)s") % {"s": text}
    return _("导入完成：%(s)s") % {"s": text}

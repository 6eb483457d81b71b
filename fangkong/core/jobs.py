"""Background jobs: an import, or the export of a long list, runs as a django-tasks task and
reports progress on its ``Job``.

The web UI stores the upload once, runs a dry-run job (the preview), then a real job on the
same stored file. The task is enqueued when the request's transaction commits; under test
settings the immediate backend runs it at once.

Progress: on PostgreSQL the task writes ``Job.done/total`` through a second connection, so
the page polling the job sees it while the import's own transaction is still open. SQLite has
one writer at a time and the import holds it, so there the task writes a small progress file
instead; ``job_progress(job)`` reads whichever applies.

An export job runs the list again as its owner (the view at the same path, the same filters,
the same scoping), writes the workbook under ``FANGKONG_EXPORT_DIR`` readable by the server
alone, and records the export in the audit trail when the file is complete. Its filters (they
may hold a searched name or ID number) and purpose are stored encrypted on the job.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone, translation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from fangkong.core import crypto
from fangkong.core.importing import ImportFileError, get_importer, run_import, summary
from fangkong.core.importing.engine import bounded_sqlite_cache
from fangkong.core.importing.readers import SUFFIXES
from fangkong.core.models import Job
from fangkong.core.models.jobs import JobStatus
from fangkong.core.services import require_area, require_perm

logger = logging.getLogger(__name__)

IMPORT_KIND = "import"
EXPORT_KIND = "export"
PROGRESS_EVERY_S = 0.5


def upload_dir() -> Path:
    return Path(settings.FANGKONG_UPLOAD_DIR).resolve()


def _safe_name(name: str) -> str:
    name = Path(name or "").name
    try:
        name = get_valid_filename(name)
    except Exception:
        name = ""
    stem, suffix = os.path.splitext(name)
    return f"{(stem or 'upload')[:80]}{suffix.lower()[:10]}"


def store_upload(upload: UploadedFile) -> Path:
    """Save an uploaded spreadsheet as ``uploads/imports/<random>/<original name>``."""
    name = _safe_name(upload.name)
    if Path(name).suffix not in SUFFIXES:
        raise ValidationError(_("只能导入 .xlsx、.xls 或 .csv 文件"), code="file_type")
    if upload.size is not None and upload.size > settings.FANGKONG_MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("文件太大（上限 %(mb)d MB），请分成几个文件导入")
            % {"mb": settings.FANGKONG_MAX_UPLOAD_BYTES // (1024 * 1024)},
            code="file_size",
        )
    folder = upload_dir() / "imports" / uuid.uuid4().hex
    folder.mkdir(parents=True, mode=0o700)
    path = folder / name
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    os.chmod(path, 0o600)
    return path


def _stored_path(path: Path) -> Path:
    """An already stored upload; refuses anything outside the upload folder."""
    resolved = Path(path).resolve()
    if not resolved.is_relative_to(upload_dir()) or not resolved.is_file():
        raise ValidationError(_("上传的文件已不存在，请重新上传"), code="missing_file")
    return resolved


def start_import_job(
    *,
    actor,
    importer: str,
    upload,
    area,
    skip_invalid: bool,
    dry_run: bool,
    options: dict | None = None,
) -> Job:
    """Store the upload (or reuse a stored one), create the job, enqueue it on commit.

    ``options`` (JSON-serialisable) reach the importer as ``ctx.options``.
    """
    cls = get_importer(importer)
    require_perm(actor, cls.permission)
    require_area(actor, area)
    path = _stored_path(upload) if isinstance(upload, Path) else store_upload(upload)
    job = Job.objects.create(
        kind=IMPORT_KIND,
        owner=actor,
        params={
            "importer": importer,
            "area_id": area.pk,
            "skip_invalid": bool(skip_invalid),
            "dry_run": bool(dry_run),
            "file_name": path.name,
            "options": dict(options or {}),
            "language": translation.get_language(),
        },
        input_file=str(path),
    )
    job_id = str(job.pk)
    transaction.on_commit(lambda: run_import_job.enqueue(job_id))
    return job


# --- the task ------------------------------------------------------------------------------


@task()
def run_import_job(job_id: str) -> dict:
    return _run_job(
        job_id,
        _import,
        refused=(ImportFileError, PermissionDenied),
        # The traceback names code, not cell values; the import rolled back as a whole.
        crashed=gettext_lazy("导入失败：系统内部错误，未写入任何数据，请联系管理员"),
    )


def _import(job: Job, reporter) -> dict:
    from fangkong.areas.models import Area

    params = job.params
    area = Area.objects.get(pk=params["area_id"])
    result = run_import(
        params["importer"],
        Path(job.input_file),
        actor=job.owner,
        area=area,
        dry_run=bool(params.get("dry_run")),
        skip_invalid=bool(params.get("skip_invalid")),
        progress=reporter,
        original_name=params.get("file_name"),
        options=params.get("options") or {},
    )
    data = result.as_json()
    return {
        "message": summary(result),
        "result": data,
        "done": result.total,
        "total": result.total,
        "output_file": str(result.rejected_file) if result.rejected_file else "",
        "returned": {k: data[k] for k in ("created", "updated", "unchanged", "rejected", "total")},
    }


def _run_job(job_id: str, work, *, refused: tuple, crashed: str, cleanup=None) -> dict:
    """Claim the job, run ``work(job, reporter)`` (the ``_finish`` fields of a success, and
    under ``returned`` the task's result) and record how it ended: a refusal's own message,
    or ``crashed`` with the traceback logged."""
    job = _claim(job_id)
    if job is None:
        return {}
    # In the language its owner worked in when starting it, as the request would have
    # answered: an export's headers, an import's row errors, the job's message.
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        return _run_claimed(job, work, refused=refused, crashed=str(crashed), cleanup=cleanup)


def _run_claimed(job: Job, work, *, refused: tuple, crashed: str, cleanup) -> dict:
    reporter = _ProgressReporter(job)
    try:
        fields = work(job, reporter)
    except refused as e:
        if cleanup is not None:
            cleanup(job)
        message = " ".join(getattr(e, "messages", [str(e)]))
        _finish(job, JobStatus.FAILED, message=message)
        return {"error": message}
    except Exception:
        if cleanup is not None:
            cleanup(job)
        logger.exception("%s job %s failed", job.kind, job.pk)
        _finish(job, JobStatus.FAILED, message=crashed)
        return {"error": crashed}
    finally:
        reporter.close()
    returned = fields.pop("returned")
    _finish(job, JobStatus.SUCCEEDED, **fields)
    return returned


def _claim(job_id: str) -> Job | None:
    """The pending job, now running in this process; None if it already ran (a task
    delivered twice) or is gone."""
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.PENDING).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    job = Job.objects.select_related("owner").get(pk=job_id)
    # Who runs it, so that a worker killed mid-job can be told from one still working.
    job.params = {**job.params, "worker": {"host": socket.gethostname(), "pid": os.getpid()}}
    Job.objects.filter(pk=job.pk).update(params=job.params)
    return job


def _finish(job: Job, status: str, **fields) -> None:
    Job.objects.filter(pk=job.pk).update(status=status, finished_at=timezone.now(), **fields)
    _progress_file(job.pk).unlink(missing_ok=True)


# --- jobs whose worker died -----------------------------------------------------------------

MAX_ATTEMPTS = 3


def _alive(pid) -> bool:
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, TypeError, ValueError):
        return True
    return True


def recover_interrupted_jobs() -> tuple[int, int]:
    """Requeue import and export jobs left "running" by a worker of this host that no
    longer exists.

    An import writes in one transaction and an export writes its file from the start, so a
    killed worker left nothing behind and running the job again is safe; after
    ``MAX_ATTEMPTS`` the job fails with a message instead (a job that itself kills the worker
    must not loop). Returns (requeued, failed).
    """
    tasks = {IMPORT_KIND: run_import_job, EXPORT_KIND: run_export_job}
    gave_up = {
        IMPORT_KIND: _("导入多次因后台进程意外退出而中断，未写入任何数据，请联系管理员"),
        EXPORT_KIND: _("导出多次因后台进程意外退出而中断，请缩小筛选范围后重试或联系管理员"),
    }
    host = socket.gethostname()
    requeued = failed = 0
    for job in Job.objects.filter(status=JobStatus.RUNNING, kind__in=tasks):
        worker = job.params.get("worker") or {}
        if worker.get("host") != host or _alive(worker.get("pid")):
            continue
        attempts = int(job.params.get("attempts", 1))
        _progress_file(job.pk).unlink(missing_ok=True)
        if job.kind == EXPORT_KIND:
            export_path(job).unlink(missing_ok=True)  # half written
        with transaction.atomic():
            if attempts >= MAX_ATTEMPTS:
                Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
                    status=JobStatus.FAILED,
                    finished_at=timezone.now(),
                    message=gave_up[job.kind],
                )
                failed += 1
                continue
            params = {k: v for k, v in job.params.items() if k != "worker"}
            params["attempts"] = attempts + 1
            updated = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
                status=JobStatus.PENDING, done=0, started_at=None, params=params
            )
            if updated:
                job_id = str(job.pk)
                task = tasks[job.kind]
                transaction.on_commit(lambda job_id=job_id, task=task: task.enqueue(job_id))
                requeued += 1
    return requeued, failed


# --- exports -------------------------------------------------------------------------------


def export_in_background(qs) -> bool:
    """Whether the list holds more rows than a request should write
    (``FANGKONG_EXPORT_BACKGROUND_ROWS``): a bounded count, never the whole table's."""
    limit = settings.FANGKONG_EXPORT_BACKGROUND_ROWS
    return qs.order_by()[: limit + 1].count() > limit


def export_path(job: Job) -> Path:
    return Path(settings.FANGKONG_EXPORT_DIR).resolve() / "jobs" / f"{job.pk}.xlsx"


def start_export_job(
    *, actor, view, path: str, data, reveal: bool, purpose: str, filters: dict
) -> Job:
    """The export of ``view``'s list (at ``path``, filtered by ``data``) as a background job,
    enqueued on commit. Refuses at once what the job would refuse."""
    from fangkong.core.exporting import check_export, export_filename

    view.check_export(actor)
    purpose = check_export(actor, view.model, reveal=reveal, purpose=purpose)
    terms = {key: data.getlist(key) for key in data} if hasattr(data, "getlist") else dict(data)
    job = Job.objects.create(
        kind=EXPORT_KIND,
        owner=actor,
        params={
            "path": path,
            "list": str(view.model._meta.verbose_name_plural),
            "file_name": export_filename(view.model),
            "reveal": bool(reveal),
            # Search terms, the filters the audit entry records and the purpose may name a
            # person: encrypted at rest.
            "data": crypto.encrypt(json.dumps(terms, ensure_ascii=False)),
            "filters": crypto.encrypt(json.dumps(filters, ensure_ascii=False)),
            "purpose": crypto.encrypt(purpose),
            "language": translation.get_language(),
        },
    )
    job_id = str(job.pk)
    transaction.on_commit(lambda: run_export_job.enqueue(job_id))
    return job


def _export_view(job: Job):
    """The list view at the job's path, set up for its owner as ``get`` would be."""
    from django.http import HttpRequest, QueryDict
    from django.urls import Resolver404, resolve

    from fangkong.core.views.generic import ObjectListView

    path = job.params.get("path", "")
    try:
        match = resolve(path)
    except Resolver404:
        match = None
    view_class = getattr(match.func, "view_class", None) if match else None
    if view_class is None or not issubclass(view_class, ObjectListView):
        raise PermissionDenied(_("该列表不能导出"))
    request = HttpRequest()
    request.method, request.path, request.path_info = "GET", path, path
    request.user = job.owner
    view = view_class(**getattr(match.func, "view_initkwargs", {}))
    view.setup(request, *match.args, **match.kwargs)
    if not job.owner.has_perm(view.get_permission_required()):
        raise PermissionDenied(_("您没有访问此页面的权限"))
    view.check_export(job.owner)
    view.prepare(request, *match.args, **match.kwargs)
    data = QueryDict(mutable=True)
    for key, values in json.loads(crypto.decrypt(job.params["data"]) or "{}").items():
        data.setlist(key, values)
    return view, request, data


@task()
def run_export_job(job_id: str) -> dict:
    return _run_job(
        job_id,
        _export,
        refused=(PermissionDenied, ValidationError),
        crashed=gettext_lazy("导出失败：系统内部错误，请联系管理员"),
        cleanup=lambda job: export_path(job).unlink(missing_ok=True),
    )


def _export(job: Job, reporter) -> dict:
    from fangkong.core.exporting import write_export

    params = job.params
    path = export_path(job)
    view, request, data = _export_view(job)
    qs, _filterset = view.filter(request, data)
    # The large append-only lists (scans) are not counted: the bar shows rows done.
    total = None if view.large else qs.count()
    reporter(0, total)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.unlink(missing_ok=True)  # a killed attempt's
    # Readable by the server's user alone: it may hold whole rows of personal data.
    # A list's order over a whole city sorts through files, not memory (SQLite).
    with (
        bounded_sqlite_cache(),
        os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as fh,
    ):
        rows = write_export(
            fh,
            view.export_rows(qs),
            view.table_class.export_columns(),
            user=job.owner,
            model=view.model,
            purpose=crypto.decrypt(params.get("purpose")) or "",
            reveal=bool(params.get("reveal")),
            filters=json.loads(crypto.decrypt(params.get("filters")) or "{}"),
            progress=lambda done: reporter(done, total),
        )
    return {
        "message": _("已导出 %(rows)s 行") % {"rows": f"{rows:,}"},
        "result": {"rows": rows},
        "done": rows,
        "total": rows,
        "output_file": str(path),
        "returned": {"rows": rows},
    }


# --- progress ------------------------------------------------------------------------------


def _progress_file(job_id) -> Path:
    return upload_dir() / "progress" / f"{job_id}.json"


class _ProgressReporter:
    """Writes progress at most every half second, where the polling page can see it."""

    def __init__(self, job: Job):
        self.job = job
        self.last = 0.0
        self.conn = None
        self.use_file = connection.vendor == "sqlite"

    def __call__(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY_S:
            return
        self.last = now
        if total is not None:
            total = max(total, done)
        try:
            if self.use_file:
                self._write_file(done, total)
            else:
                self._write_row(done, total)
        except Exception:  # progress is a courtesy; never fail the import for it
            logger.warning("progress of job %s not recorded", self.job.pk, exc_info=True)

    def _write_file(self, done: int, total: int | None) -> None:
        path = _progress_file(self.job.pk)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"done": done, "total": total}))
        os.replace(tmp, path)

    def _write_row(self, done: int, total: int | None) -> None:
        if self.conn is None:
            self.conn = connections.create_connection(DEFAULT_DB_ALIAS)
        qn = self.conn.ops.quote_name
        meta = Job._meta
        sql = (
            f"UPDATE {qn(meta.db_table)} SET {qn('done')} = %s, {qn('total')} = %s "  # noqa: S608
            f"WHERE {qn(meta.pk.column)} = %s"
        )
        with self.conn.cursor() as cur:
            cur.execute(sql, [done, total, meta.pk.get_db_prep_value(self.job.pk, self.conn)])

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def job_progress(job: Job) -> tuple[int, int | None]:
    """(done, total) of a job, live while it runs on SQLite too."""
    if job.status == JobStatus.RUNNING:
        try:
            data = json.loads(_progress_file(job.pk).read_text())
            return int(data["done"]), data["total"]
        except (OSError, ValueError, KeyError):
            pass
    return job.done, job.total

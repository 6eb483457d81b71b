"""Background job pages: the user's recent jobs, progress (polled by htmx every second),
import preview and result, an export's download.

A job is visible to its owner only; anyone else gets 404.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from fangkong.core.models import Job
from fangkong.core.models.jobs import JobStatus

RECENT_JOBS = 50


def own_job(request: HttpRequest, pk) -> Job:
    from fangkong.core.jobs import job_progress as live_progress

    job = get_object_or_404(Job.objects.filter(owner=request.user), pk=pk)
    # On SQLite a running import holds the write lock, so its progress lives in a side file.
    job.done, job.total = live_progress(job)
    return job


def is_dry_run(job: Job) -> bool:
    if "dry_run" in job.params:
        return bool(job.params["dry_run"])
    return bool((job.result or {}).get("dry_run"))


def import_counts(job: Job) -> dict:
    result = job.result or {}
    return {
        key: result.get(key, 0) for key in ("total", "created", "updated", "unchanged", "rejected")
    }


def can_confirm(job: Job) -> bool:
    if job.kind != "import" or not is_dry_run(job) or job.status != JobStatus.SUCCEEDED:
        return False
    counts = import_counts(job)
    accepted = counts["created"] + counts["updated"] + counts["unchanged"]
    if counts["rejected"] and not job.params.get("skip_invalid"):
        return False
    return accepted > 0


def reupload_url(job: Job) -> str:
    from django.core.exceptions import ImproperlyConfigured

    from fangkong.core.importing import get_importer

    try:
        cls = get_importer(job.params.get("importer", "registry.resident"))
    except ImproperlyConfigured:
        return ""
    return cls.upload_url(job.params.get("options") or {})


def importer_panel(request: HttpRequest, job: Job) -> str:
    """What the job's importer adds to its result page (``Importer.result_html``)."""
    from django.core.exceptions import ImproperlyConfigured

    from fangkong.core.importing import get_importer

    try:
        cls = get_importer(job.params.get("importer", "registry.resident"))
    except ImproperlyConfigured:
        return ""
    return cls.result_html(request, job)


def job_list(request: HttpRequest) -> HttpResponse:
    """我的后台任务: the user's recent imports and exports, to come back to."""
    jobs = list(Job.objects.filter(owner=request.user).order_by("-created_at")[:RECENT_JOBS])
    return render(request, "jobs/job_list.html", {"jobs": jobs})


def job_detail(request: HttpRequest, pk) -> HttpResponse:
    job = own_job(request, pk)
    context = {"job": job}
    if not job.finished:
        return render(request, "jobs/job_progress.html", context)
    if job.kind == "export":
        context["has_file"] = job.status == JobStatus.SUCCEEDED and _job_file(job) is not None
        return render(request, "jobs/export_result.html", context)
    if job.kind == "import":
        result = job.result or {}
        context |= {
            "counts": import_counts(job),
            "errors": result.get("errors", [])[:1000],
            "error_total": len(result.get("errors", [])),
            "warnings": result.get("warnings", []),
            "dry_run": is_dry_run(job),
            "can_confirm": can_confirm(job),
            "has_rejected_file": bool(job.output_file) and Path(job.output_file).is_file(),
            "reupload_url": reupload_url(job),
            "importer_panel": importer_panel(request, job),
        }
        return render(request, "jobs/import_result.html", context)
    return render(request, "jobs/job_result.html", context)


def job_progress(request: HttpRequest, pk) -> HttpResponse:
    job = own_job(request, pk)
    if job.finished and request.htmx:
        return HttpResponseClientRefresh()
    return render(request, "jobs/includes/job_progress.html", {"job": job})


@require_POST
def job_confirm(request: HttpRequest, pk) -> HttpResponse:
    """Run the import for real on the file its dry run checked."""
    from fangkong.areas.models import Area

    job = own_job(request, pk)
    if not can_confirm(job):
        messages.error(request, _("该预检结果不能确认导入"))
        return redirect("core:job_detail", pk=job.pk)
    from fangkong.core.jobs import start_import_job

    area = get_object_or_404(Area.objects.visible_to(request.user), pk=job.params.get("area_id"))
    try:
        real = start_import_job(
            actor=request.user,
            importer=job.params.get("importer", "registry.resident"),
            upload=Path(job.input_file),
            area=area,
            skip_invalid=bool(job.params.get("skip_invalid")),
            dry_run=False,
            options=job.params.get("options") or {},
        )
    except (PermissionDenied, ValidationError) as e:
        messages.error(request, " ".join(getattr(e, "messages", [str(e)])))
        return redirect("core:job_detail", pk=job.pk)
    return redirect("core:job_detail", pk=real.pk)


def _job_file(job: Job) -> Path | None:
    """The job's output file, if it still exists where the job machinery writes (var/)."""
    if not job.output_file:
        return None
    path = Path(job.output_file).resolve()
    roots = (settings.FANGKONG_UPLOAD_DIR, settings.FANGKONG_EXPORT_DIR)
    if not any(path.is_relative_to(Path(root).resolve()) for root in roots):
        return None
    return path if path.is_file() else None


def job_rejected_file(request: HttpRequest, pk) -> HttpResponse:
    job = own_job(request, pk)
    path = _job_file(job) if job.kind == "import" else None
    if path is None:
        raise Http404
    name = _("未导入的行") + ".xlsx"
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)


def job_export_file(request: HttpRequest, pk) -> HttpResponse:
    """The workbook an export job wrote (its owner only; the export itself is audited)."""
    job = own_job(request, pk)
    path = _job_file(job) if job.kind == "export" and job.status == JobStatus.SUCCEEDED else None
    if path is None:
        raise Http404
    name = job.params.get("file_name") or "export.xlsx"
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)

"""The upload page and template download every spreadsheet import shares.

Upload → a dry-run job (the preview) → the job page offers “确认导入” → progress → result
(``core.views.jobs``). An app's view builds its form (a file, an area, “skip invalid rows”)
and calls ``import_upload``; options such as a campaign id travel with the job.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from fangkong.core.views.generic import error_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def import_upload(
    request: HttpRequest,
    form,
    *,
    importer: str,
    template_name: str,
    options: dict[str, Any] | Callable[[Any], dict[str, Any]] | None = None,
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """Handle the upload form: a valid POST starts the dry run and shows its job.

    ``options`` may be a function of the valid form (settings the user chose for the run)."""
    if request.method == "POST" and form.is_valid():
        if callable(options):
            options = options(form)
        from fangkong.core.jobs import start_import_job

        try:
            job = start_import_job(
                actor=request.user,
                importer=importer,
                upload=form.cleaned_data["file"],
                area=form.cleaned_data["area"],
                skip_invalid=form.cleaned_data["skip_invalid"],
                dry_run=True,
                options=options,
            )
        except (PermissionDenied, ValidationError) as e:
            form.add_error(None, error_text(e))
        else:
            return redirect("core:job_detail", pk=job.pk)
    return render(request, template_name, {"form": form, **(context or {})})


def import_template_response(importer: str, file_name: str) -> HttpResponse:
    """The importer's .xlsx template as a download named ``file_name``."""
    from fangkong.core.importing import template_workbook

    response = HttpResponse(template_workbook(importer), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(file_name)}"
    return response


def import_views(
    *,
    importer: str,
    permission: str,
    form_class: type,
    template_name: str,
    template_url_name: str,
    file_name: Callable[[], str],
    form_setup: Callable[[Any], None] | None = None,
    context: Callable[[], dict[str, Any]] | None = None,
    options: Callable[[Any], dict[str, Any]] | None = None,
) -> tuple[Callable, Callable]:
    """The upload page and the template download of an import that needs no URL arguments.

    ``file_name`` (and ``context``) are called per request so that they follow the language;
    ``options``, given the valid form, gives the run's options (``ctx.options``).
    """
    from django.contrib.auth.decorators import permission_required
    from django.urls import reverse

    @permission_required(permission, raise_exception=True)
    def upload(request: HttpRequest) -> HttpResponse:
        form = form_class(request.POST or None, request.FILES or None, user=request.user)
        if form_setup is not None:
            form_setup(form)
        return import_upload(
            request,
            form,
            importer=importer,
            template_name=template_name,
            options=options,
            context={"template_url": reverse(template_url_name), **(context() if context else {})},
        )

    @permission_required(permission, raise_exception=True)
    def template(request: HttpRequest) -> HttpResponse:
        return import_template_response(importer, file_name())

    return upload, template

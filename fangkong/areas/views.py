"""The area tree (children loaded lazily with htmx) and area pages."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.decorators import permission_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from fangkong.core.scoping import is_global, user_area
from fangkong.core.views.generic import ObjectDetailView, ObjectEditView, ObjectListView

from . import services
from .filtersets import AreaFilterSet
from .forms import AreaForm, AreaImportForm
from .importing import import_areas
from .models import Area
from .tables import AreaTable


def resident_counts(user, areas: list[Area]) -> dict[int, int | None]:
    """Residents (visible to ``user``) in each area's subtree, in one grouped query; None
    for a user who may not read residents (an enterprise liaison, an inspector)."""
    if not areas:
        return {}
    if not user.has_perm("registry.view_resident"):
        return dict.fromkeys((a.pk for a in areas), None)
    Resident = apps.get_model("registry", "Resident")
    paths = [a.path for a in areas]
    prefix = paths[0]
    for p in paths[1:]:
        while not p.startswith(prefix):
            prefix = prefix[:-1]
    per_grid = (
        Resident.objects.visible_to(user)
        .filter(area__path__startswith=prefix)
        .order_by()
        .values_list("area__path")
        .annotate(n=Count("id"))
    )
    counts = dict.fromkeys((a.pk for a in areas), 0)
    for path, n in per_grid:
        for a in areas:
            if path.startswith(a.path):
                counts[a.pk] += n
    return counts


def tree_nodes(user, areas_qs) -> list[dict]:
    areas = list(areas_qs.annotate(child_count=Count("children")).order_by("path"))
    counts = resident_counts(user, areas)
    return [
        {"area": a, "has_children": a.child_count > 0, "residents": counts[a.pk]} for a in areas
    ]


@permission_required("areas.view_area", raise_exception=True)
def area_tree(request: HttpRequest) -> HttpResponse:
    user = request.user
    if is_global(user):
        roots = Area.objects.filter(parent__isnull=True)
    else:
        root = user_area(user)
        roots = Area.objects.filter(pk=root.pk) if root is not None else Area.objects.none()
    return render(request, "areas/area_tree.html", {"nodes": tree_nodes(user, roots)})


@permission_required("areas.view_area", raise_exception=True)
def area_children(request: HttpRequest, pk: int) -> HttpResponse:
    """HTMX: the ``<li>`` nodes under one area."""
    area = get_object_or_404(Area.objects.visible_to(request.user), pk=pk)
    nodes = tree_nodes(request.user, Area.objects.filter(parent=area))
    return render(request, "areas/includes/area_nodes.html", {"nodes": nodes})


class AreaListView(ObjectListView):
    model = Area
    filterset_class = AreaFilterSet
    table_class = AreaTable
    selector = staticmethod(lambda qs: qs.select_related("parent"))
    export_permission = "areas.view_area"  # no personal data: whoever sees the tree
    list_url_name = "areas:area_list"
    add_url_name = "areas:area_add"


class AreaDetailView(ObjectDetailView):
    model = Area
    template_name = "areas/area_detail.html"
    list_url_name = "areas:area_tree"
    edit_url_name = "areas:area_edit"

    def get_extra_context(self, request, obj):
        ancestors = [a for a in obj.ancestors() if a.path.startswith(_root_path(request.user))]
        children = tree_nodes(request.user, Area.objects.filter(parent=obj))
        return {
            "ancestors": ancestors,
            "children": children,
            "residents": resident_counts(request.user, [obj])[obj.pk],
        }


def _root_path(user) -> str:
    if is_global(user):
        return ""
    root = user_area(user)
    return root.path if root is not None else "\0"


class AreaEditView(ObjectEditView):
    model = Area
    form_class = AreaForm
    list_url_name = "areas:area_tree"
    detail_url_name = "areas:area_detail"
    create_service = services.create_area
    update_service = services.update_area

    def get_form(self, request, obj, data=None, files=None):
        return AreaForm(data=data, user=request.user, instance=obj)

    def service_kwargs(self, form, obj):
        data = form.cleaned_data
        if obj is None:
            return {
                "code": data["code"],
                "name": data["name"],
                "level": data["level"],
                "parent": data["parent"],
            }
        return {"name": data["name"], "parent": data["parent"]}


# A file that passed its check waits here for “确认导入” (the session holds its token), so
# nobody has to choose it again; one a day old was abandoned.
PENDING_KEY = "areas.import.pending"
PENDING_HOURS = 24


def _pending_dir():
    from fangkong.core.jobs import upload_dir

    return upload_dir() / "pending-areas"


def _drop_pending(request: HttpRequest) -> None:
    """Forget the session's waiting file, and any file abandoned for a day."""
    import time

    pending = request.session.pop(PENDING_KEY, None)
    folder = _pending_dir()
    if pending:
        (folder / pending["file"]).unlink(missing_ok=True)
    if folder.is_dir():
        cutoff = time.time() - PENDING_HOURS * 3600
        for path in folder.iterdir():
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)


def _keep_pending(request: HttpRequest, source, name: str) -> str:
    """Keep a checked file for its confirmation; returns the token the form sends back."""
    import os
    import secrets
    import shutil
    from pathlib import Path

    token = secrets.token_hex(16)
    folder = _pending_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    file = token + Path(name).suffix.lower()
    shutil.copyfile(source, folder / file)
    os.chmod(folder / file, 0o600)
    request.session[PENDING_KEY] = {"token": token, "file": file, "name": name}
    return token


@permission_required("areas.add_area", raise_exception=True)
def area_import(request: HttpRequest) -> HttpResponse:
    """导入区域网格: the tree from the county's spreadsheet, checked first, all or nothing.

    A check that passes keeps the file, and “确认导入” writes it without another upload.
    """
    import tempfile
    from pathlib import Path

    from fangkong.core.importing.readers import ImportFileError

    confirming = "confirm" in request.POST
    form = AreaImportForm(
        None if confirming else request.POST or None, None if confirming else request.FILES or None
    )
    result = token = name = refused = None
    if confirming:
        pending = request.session.get(PENDING_KEY)
        if pending is None or request.POST["confirm"] != pending["token"]:
            # Confirmed already, or another file was checked since (which stays waiting).
            refused = _("待确认的文件已失效（已确认过，或之后又预检了其他文件），请重新上传")
        elif not (path := _pending_dir() / pending["file"]).is_file():
            refused = _("待确认的文件已失效，请重新上传")
            _drop_pending(request)
        else:
            name = pending["name"]
            try:
                result = import_areas(actor=request.user, path=path, original_name=name)
            except ImportFileError as e:
                refused = str(e)
            _drop_pending(request)
    elif request.method == "POST" and form.is_valid():
        _drop_pending(request)
        upload = form.cleaned_data["file"]
        name = upload.name
        suffix = Path(upload.name).suffix.lower()
        with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
            for chunk in upload.chunks():
                tmp.write(chunk)
            tmp.flush()
            try:
                result = import_areas(
                    actor=request.user,
                    path=Path(tmp.name),
                    original_name=upload.name,
                    dry_run=form.cleaned_data["dry_run"],
                )
            except ImportFileError as e:
                form.add_error("file", str(e))
            else:
                if not result.committed and not result.errors:
                    token = _keep_pending(request, tmp.name, upload.name)
    return render(
        request,
        "areas/area_import.html",
        {"form": form, "result": result, "token": token, "file_name": name, "refused": refused},
    )

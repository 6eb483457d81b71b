"""Generic list/detail/edit/delete views; a model's views are a few lines of configuration.

Every view starts from ``Model.objects.visible_to(request.user)`` (rows outside the user's
area are 404, never 403, so their existence does not leak), checks one Django permission
(``permission_required``) and writes only through the app's service functions.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection, models
from django.db.models import Max, OuterRef, Subquery
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from fangkong.core import search_terms
from fangkong.core.exporting import can_reveal_export, export_xlsx
from fangkong.core.filtersets import bound_filter_form
from fangkong.core.forms import style_form
from fangkong.core.services import ConflictError
from fangkong.core.tables import Table, export_related


def perm_name(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: per field where the form has the field."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for e in errors:
                form.add_error(target, e.messages)
    else:
        form.add_error(None, error.messages)


def error_text(error: ValidationError | PermissionDenied) -> str:
    """A service's refusal as one line for a message: a ValidationError's messages joined
    (field errors included), a PermissionDenied's text or, when it has none, a generic one."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("您没有执行此操作的权限")


def form_error_text(form: forms.BaseForm) -> str:
    """A bound form's errors as one line for a message (a button's form has no page to show
    them on): each prefixed with its field's label, since the message stands apart from it."""
    parts = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        for message in errors:
            if field is not None and field.label:
                message = _("%(field)s：%(error)s") % {"field": field.label, "error": message}
            parts.append(str(message))
    return " ".join(parts)


def ask_files_again(form: forms.BaseForm, files, field: str) -> None:
    """A form sent back with errors cannot give the files back: a browser never refills a
    file input. Photos chosen on a phone then vanished without a word, and the form was
    sent again without them; this says so under the field."""
    if field in form.fields and files.getlist(field):
        form.add_error(field, _("页面退回后照片不能保留，请重新选择照片"))


@contextlib.contextmanager
def service_errors(form: forms.BaseForm) -> Iterator[None]:
    """Run a service call for a submitted form; a ``ValidationError`` or ``PermissionDenied``
    it raises ends the block and lands on the form, so the page shows the form again with the
    reason (the service wrote nothing: it runs in one transaction).

        with service_errors(form):
            obj = services.create_x(actor=request.user, **form.cleaned_data)
            return redirect(...)
        return render(...)  # reached only with the errors on the form
    """
    try:
        yield
    except ValidationError as e:
        add_service_errors(form, e)
    except PermissionDenied as e:
        form.add_error(None, error_text(e))


@contextlib.contextmanager
def service_messages(request: HttpRequest) -> Iterator[None]:
    """Run a service call behind a button (a POST with no form page to show again): a
    ``ValidationError`` or ``PermissionDenied`` it raises ends the block and becomes an error
    message (the service wrote nothing). Put the success message inside the block:

        with service_messages(request):
            services.close_x(actor=request.user, x=x)
            messages.success(request, _("已办结"))
        return redirect(...)
    """
    try:
        yield
    except (ValidationError, PermissionDenied) as e:
        messages.error(request, error_text(e))


class BaseObjectView(View):
    """Configuration shared by the generic views."""

    model: type[models.Model]
    permission_action: str = "view"
    permission_required: str = ""
    selector: Callable[[models.QuerySet], models.QuerySet] | None = None
    template_name: str = ""
    list_url_name: str = ""
    detail_url_name: str = ""
    # The default order is served by an index that does not start with the area: a large
    # scope is checked per row while that index is walked (``ScopedQuerySet.in_area``).
    scope_walk: bool = False

    def get_permission_required(self) -> str:
        return self.permission_required or perm_name(self.model, self.permission_action)

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.has_perm(self.get_permission_required()):
            raise PermissionDenied(_("您没有访问此页面的权限"))
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        if self.scope_walk:
            qs = self.model.objects.visible_to(request.user, walk=True)
        else:
            qs = self.model.objects.visible_to(request.user)
        if self.selector is not None:
            qs = type(self).selector(qs)
        return qs

    def get_object(self, request: HttpRequest, pk) -> models.Model:
        return get_object_or_404(self.get_queryset(request), pk=pk)

    def base_context(self) -> dict[str, Any]:
        meta = self.model._meta
        return {
            "model_name": meta.verbose_name,
            "model_name_plural": meta.verbose_name_plural,
            "list_url": reverse(self.list_url_name) if self.list_url_name else "",
        }


class NextPage:
    """One page of a ``NextPagePaginator``: the interface of Django's ``Page`` the templates use."""

    def __init__(self, object_list: list, number: int, has_next: bool, paginator):
        self.object_list, self.number, self._has_next = object_list, number, has_next
        self.paginator = paginator

    def __len__(self) -> int:
        return len(self.object_list)

    def __iter__(self):
        return iter(self.object_list)

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


class NextPagePaginator:
    """Pages without ``COUNT(*)``: reads one row more than a page to know a next one exists.

    For large append-only tables (10M scans), where counting the filtered rows would cost
    more than showing them; the page offers “上一页/下一页” and no total. ``count`` is None.
    """

    count = None
    num_pages = None

    def __init__(self, object_list: models.QuerySet, per_page: int, *, more_than: int = 0):
        self.object_list, self.per_page = object_list, per_page
        self.more_than = more_than  # a bounded count found more rows than this (shown)

    def get_page(self, number) -> NextPage:
        number = page_number(number)
        start = (number - 1) * self.per_page
        rows = list(self.object_list[start : start + self.per_page + 1])
        return NextPage(rows[: self.per_page], number, len(rows) > self.per_page, self)


def page_number(value) -> int:
    """A ``?page=`` value as a page number: 1 for anything but a positive integer."""
    try:
        return max(int(value), 1)
    except (TypeError, ValueError):
        return 1


def newest_per_group(
    qs: models.QuerySet, *, time: str, group: str, groups: models.QuerySet, stop: int
) -> models.QuerySet:
    """``qs``, newest first by ``time``, narrowed to what its first ``stop`` rows can be:
    rows no older than the latest of the ``groups``' own ``stop``-th newest (the group
    holding that time has ``stop`` rows at least as new, so the list's ``stop``-th is too).

    For a small scope over a huge table: a community's 100 venues hold 100,000 scans, which
    SQLite read through the venue index and sorted for a page (600 ms); each venue's newest
    come from its (venue, time) index, and the page then sorts at most ``stop`` rows a venue
    (18 ms). Every group with fewer rows leaves no bound: then the list is that small."""
    nth = qs.filter(**{group: OuterRef("pk")}).order_by(f"-{time}").values(time)
    bound = groups.annotate(_nth=Subquery(nth[stop - 1 : stop])).aggregate(bound=Max("_nth"))
    if bound["bound"] is None:
        return qs
    return qs.filter(**{f"{time}__gte": bound["bound"]})


# Lists count at most this many rows: past it the page says “超过 10,000 条” and pages on
# with 上一页/下一页 (a city's 1,000,000 residents cost 300–400 ms to count exactly).
COUNT_CAP = 10_000


class KeysFirst:
    """A page's rows in two reads: its keys from the list's own table (the order's index
    walked, the scope checked per row: ``ScopedQuerySet.in_area``), then those rows with
    their joins. Given an inner join (a required key's ``select_related``) and statistics,
    SQLite's planner drives from the joined table and sorts every row in scope (a city's
    visits: 565 ms through the visiting users); by their keys, 50 rows are 50 look-ups."""

    ordered = True  # for Paginator: the keys come in the list's order

    def __init__(self, qs: models.QuerySet, rows: models.QuerySet | None = None):
        self.qs = qs
        # Where the rows are read by key: the list before its filters (still scoped, with the
        # selector's joins) when given, so a filter no index serves — a name search, read
        # once for the keys — is not evaluated again for 50 rows already known to match.
        self.rows = qs if rows is None else rows

    def __getitem__(self, window: slice) -> list:
        keys = list(self.qs.values_list("pk", flat=True)[window])
        rows = {row.pk: row for row in self.rows.filter(pk__in=keys).order_by()}
        return [rows[k] for k in keys if k in rows]


def paginate(
    qs: models.QuerySet,
    per_page: int,
    number,
    *,
    large: bool = False,
    keys_first: bool = False,
    rows: models.QuerySet | None = None,
):
    """The page ``number`` of ``qs``: numbered pages under a total when the rows are at most
    ``COUNT_CAP`` (one bounded COUNT), else — and always for ``large`` append-only lists —
    a ``NextPagePaginator`` page. ``keys_first``: the rows by ``KeysFirst`` (read from
    ``rows`` when given)."""
    rows = KeysFirst(qs, rows) if keys_first else qs
    if large:
        return NextPagePaginator(rows, per_page).get_page(number)
    # Counted without the list's order: any COUNT_CAP + 1 rows tell whether there are more,
    # and an ORDER BY made SQLite walk the order's index and read every row for a filter it
    # does not hold (a city's red statuses: 800 ms) instead of counting the filter's index.
    # Nor with the rows' shown annotations: each was computed for every row counted (a
    # campaign's unvisited households: three look-ups of a latest visit, 10,001 times).
    counted = qs.order_by().values("pk")[: COUNT_CAP + 1].count()
    if counted > COUNT_CAP:
        return NextPagePaginator(rows, per_page, more_than=COUNT_CAP).get_page(number)
    paginator = Paginator(rows, per_page)
    paginator.count = counted  # a cached_property: set, it is not counted again
    return paginator.get_page(number)


class ObjectListView(BaseObjectView):
    """Filtered, paginated, exportable list; HTMX requests get the table fragment only."""

    filterset_class: type | None = None
    table_class: type[Table]
    template_name = "generic/object_list.html"
    fragment_template_name = "generic/includes/object_table.html"
    paginate_by = 50
    # Large append-only lists page without counting the table (``NextPagePaginator``).
    large = False
    export_permission: str = ""
    add_url_name: str = ""
    extra_actions: tuple[tuple[str, Any, str], ...] = ()  # (url name, label, permission)
    hidden_filters: tuple[str, ...] = ()  # filters set by links, not typed (e.g. household id)
    # Typed search terms (a name, ID or phone digits): kept out of every URL (core.search_terms).
    search_params: tuple[str, ...] = search_terms.SEARCH_PARAMS

    def filter(self, request: HttpRequest, data: QueryDict):
        qs = self.get_queryset(request)
        filterset = None
        if self.filterset_class is not None:
            filterset = self.filterset_class(data or None, queryset=qs, request=request)
            form = style_form(bound_filter_form(filterset.form))
            for name in self.hidden_filters:
                if name in form.fields:
                    form.fields[name].widget = forms.HiddenInput()
            qs = filterset.qs
        return qs, filterset

    def prepare(self, request: HttpRequest, **kwargs) -> None:
        """State the list takes from its URL (a campaign's households…), set before it is
        filtered: by ``get`` and ``post``, and by a background export running the list again."""

    def get(self, request: HttpRequest, **kwargs) -> HttpResponse:
        self.prepare(request, **kwargs)
        data, token = search_terms.filter_data(request, self.search_params)
        qs, filterset = self.filter(request, data)
        if request.GET.get("export") == "xlsx":
            return self.export(request, qs, filterset, data)
        return self.render_list(request, qs, filterset, token)

    def narrow_to_page(self, request: HttpRequest, qs: models.QuerySet, stop: int):
        """A ``large`` list's ``qs`` narrowed to what its rows up to ``stop`` can be (e.g. by
        ``newest_per_group``); by default itself."""
        return qs

    def render_list(self, request, qs, filterset, token: str) -> HttpResponse:
        if self.large:
            stop = page_number(request.GET.get("page")) * self.paginate_by + 1
            qs = self.narrow_to_page(request, qs, stop)
        # SQLite only: PostgreSQL's planner weighs the joins against the ordered walk.
        keys_first = self.scope_walk and connection.vendor == "sqlite"
        page = paginate(
            qs,
            self.paginate_by,
            request.GET.get("page"),
            large=self.large,
            keys_first=keys_first,
            rows=self.get_queryset(request) if keys_first else None,
        )
        context = self.base_context() | {
            "filterset": filterset,
            "table": self.table_class(page.object_list, user=request.user),
            "page": page,
            "query_string": search_terms.clean_query(
                request, self.search_params, token, drop=("page", "export")
            ),
            "can_add": bool(self.add_url_name)
            and request.user.has_perm(perm_name(self.model, "add")),
            "add_url": reverse(self.add_url_name) if self.add_url_name else "",
            "can_export": bool(self.export_permission)
            and request.user.has_perm(self.export_permission),
            "can_export_personal": bool(self.export_permission)
            and can_reveal_export(request.user, self.model),
            "extra_actions": [
                (reverse(name), label)
                for name, label, perm in self.extra_actions
                if request.user.has_perm(perm)
            ],
            "purpose_error": "",
        }
        if request.htmx and not request.htmx.boosted:
            return render(request, self.fragment_template_name, context)
        return render(request, self.template_name, context)

    def post(self, request: HttpRequest, **kwargs) -> HttpResponse:
        """A search (the filter form posts, so search terms never enter a URL) or the
        unmasked export (a POST carrying the purpose, 用途)."""
        self.prepare(request, **kwargs)
        if request.POST.get("export") == "xlsx":
            data, _token = search_terms.filter_data(request, self.search_params)
            qs, filterset = self.filter(request, data)
            return self.export(request, qs, filterset, data, reveal=True)
        if "export" in request.POST:
            return HttpResponse(status=400)
        token = search_terms.remember(request, self.search_params)
        url = search_terms.clean_url(request, self.search_params, token)
        if not (request.htmx and not request.htmx.boosted):
            return redirect(url)  # post/redirect/get: reload and back work
        data, _token = search_terms.filter_data(request, self.search_params, token=token)
        qs, filterset = self.filter(request, data)
        response = self.render_list(request, qs, filterset, token)
        response["HX-Push-Url"] = url
        return response

    def export_rows(self, qs):
        """The rows an export writes (in a request or a background job): the list's queryset
        (with what its export columns read beyond the page's, ``export_related``), or rows
        a list prepares in chunks (the audit log names related objects)."""
        related = export_related(self.table_class.export_columns())
        if related and isinstance(qs, models.QuerySet):
            qs = qs.select_related(*related)
        return qs

    def check_export(self, user) -> None:
        if not self.export_permission or not user.has_perm(self.export_permission):
            raise PermissionDenied(_("您没有导出的权限"))

    @staticmethod
    def export_filters(filterset) -> dict[str, str]:
        """The filters an export records in the audit trail."""
        if filterset is None or not filterset.is_bound or not filterset.is_valid():
            return {}
        return {
            k: str(getattr(v, "pk", v))
            for k, v in filterset.form.cleaned_data.items()
            if v not in (None, "")
        }

    def export(self, request, qs, filterset, data, *, reveal: bool = False) -> HttpResponse:
        """The list as an .xlsx download; a list longer than
        ``FANGKONG_EXPORT_BACKGROUND_ROWS`` is written by a background job with progress
        (a city's residents would outlast any request timeout)."""
        from fangkong.core import jobs

        self.check_export(request.user)
        filters = self.export_filters(filterset)
        purpose = request.POST.get("purpose", "") if reveal else ""
        try:
            if jobs.export_in_background(qs):
                job = jobs.start_export_job(
                    actor=request.user,
                    view=self,
                    path=request.path,
                    data=data,
                    reveal=reveal,
                    purpose=purpose,
                    filters=filters,
                )
                return redirect("core:job_detail", pk=job.pk)
            return export_xlsx(
                self.export_rows(qs),
                self.table_class.export_columns(),
                user=request.user,
                purpose=purpose,
                reveal=reveal,
                model=self.model,
                filters=filters,
            )
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
            _data, token = search_terms.filter_data(request, self.search_params)
            return redirect(search_terms.clean_url(request, self.search_params, token))


class ObjectDetailView(BaseObjectView):
    template_name = "generic/object_detail.html"
    edit_url_name: str = ""
    delete_url_name: str = ""

    def get(self, request: HttpRequest, pk) -> HttpResponse:
        return self.render_object(request, self.get_object(request, pk))

    def render_object(self, request: HttpRequest, obj, **overrides: Any) -> HttpResponse:
        """The page of ``obj``; ``overrides`` replace entries of its context. A step posted
        from the page and refused sends the page back with its bound form (the errors by
        their fields, what was typed still there) instead of a redirect that empties it."""
        from fangkong.core.views.audit import object_history_url  # the audit list is a list view

        context = self.base_context() | {
            "object": obj,
            "edit_url": self.action_url(request, obj, self.edit_url_name, "change"),
            "delete_url": self.action_url(request, obj, self.delete_url_name, "delete"),
            "history_url": object_history_url(request.user, obj),
        }
        context.update(self.get_extra_context(request, obj))
        context.update(overrides)
        return render(request, self.template_name, context)

    def action_url(self, request, obj, url_name: str, action: str) -> str:
        if url_name and request.user.has_perm(perm_name(self.model, action)):
            return reverse(url_name, args=[obj.pk])
        return ""

    def get_extra_context(self, request: HttpRequest, obj) -> dict[str, Any]:
        return {}


def posted_version(request: HttpRequest, obj):
    """The version an edit page posted (the one it showed); a request without one edits the
    current version of ``obj`` (None for a new row or a model without versions)."""
    version = request.POST.get("version") or None
    if version is None and obj is not None:
        version = getattr(obj, "version", None)
    return version


class ObjectEditView(BaseObjectView):
    """Create (no pk) or edit (pk) through service functions, with optimistic locking.

    ``create_service(actor=..., **service_kwargs)`` and ``update_service(actor=...,
    <model_name>=obj, expected_version=..., **service_kwargs)``; ``service_kwargs`` defaults to
    ``{"data": form.cleaned_data}``.
    """

    form_class: type[forms.BaseForm]
    template_name = "generic/object_edit.html"
    create_service: Callable[..., models.Model] | None = None
    update_service: Callable[..., models.Model] | None = None
    # Said once the service has written; an action form names its step (已替班：…).
    saved_message: Any = gettext_lazy("已保存：%(obj)s")

    def get_permission_required(self) -> str:
        if self.permission_required:
            return self.permission_required
        action = "change" if self.kwargs.get("pk") is not None else "add"
        return perm_name(self.model, action)

    def get_form(self, request: HttpRequest, obj, data=None, files=None) -> forms.BaseForm:
        kwargs: dict[str, Any] = {"data": data, "files": files}
        if issubclass(self.form_class, forms.BaseModelForm):
            kwargs["instance"] = obj
        if getattr(self.form_class, "needs_user", False):
            kwargs["user"] = request.user
        return self.form_class(**kwargs)

    def service_kwargs(self, form: forms.BaseForm, obj) -> dict[str, Any]:
        return {"data": dict(form.cleaned_data)}

    def save(self, request: HttpRequest, form: forms.BaseForm, obj, version) -> models.Model:
        kwargs = self.service_kwargs(form, obj)
        if obj is None:
            if self.create_service is None:
                raise ImproperlyConfigured("create_service is not set")
            return type(self).create_service(actor=request.user, **kwargs)
        if self.update_service is None:
            raise ImproperlyConfigured("update_service is not set")
        fresh = self.get_object(request, obj.pk)
        return type(self).update_service(
            actor=request.user,
            **{self.model._meta.model_name: fresh},
            expected_version=version,
            **kwargs,
        )

    def get(self, request: HttpRequest, pk=None) -> HttpResponse:
        obj = self.get_object(request, pk) if pk is not None else None
        form = self.get_form(request, obj)
        return self.render_form(request, form, obj, getattr(obj, "version", None))

    def post(self, request: HttpRequest, pk=None) -> HttpResponse:
        obj = self.get_object(request, pk) if pk is not None else None
        version = posted_version(request, obj)
        form = self.get_form(request, obj, data=request.POST, files=request.FILES)
        conflict = False
        if form.is_valid():
            try:
                saved = self.save(request, form, obj, version)
            except ConflictError as e:
                conflict = True
                form.add_error(None, e.messages)
            except ValidationError as e:
                add_service_errors(form, e)
            except PermissionDenied as e:
                form.add_error(None, str(e) or _("您没有执行此操作的权限"))
            else:
                messages.success(request, self.saved_message % {"obj": self.display(saved)})
                return redirect(self.success_url(saved))
        response = self.render_form(request, form, obj, version, conflict=conflict)
        response.status_code = 409 if conflict else 200
        return response

    def display(self, obj) -> str:
        return getattr(obj, "audit_repr", lambda: str(obj))()

    def success_url(self, obj) -> str:
        if self.detail_url_name:
            return reverse(self.detail_url_name, args=[obj.pk])
        return reverse(self.list_url_name)

    def render_form(self, request, form, obj, version, *, conflict: bool = False):
        context = self.base_context() | {
            "form": form,
            "object": obj,
            "version": version,
            "conflict": conflict,
            "cancel_url": reverse(self.detail_url_name, args=[obj.pk])
            if obj is not None and self.detail_url_name
            else (reverse(self.list_url_name) if self.list_url_name else ""),
        }
        return render(request, self.template_name, context)


class DeleteForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("删除原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ObjectDeleteView(BaseObjectView):
    """Asks for a reason, then calls ``delete_service(actor=..., <model_name>=obj, reason=...)``."""

    permission_action = "delete"
    template_name = "generic/object_delete.html"
    delete_service: Callable[..., None]

    def get(self, request: HttpRequest, pk) -> HttpResponse:
        obj = self.get_object(request, pk)
        return self.render_form(request, obj, DeleteForm())

    def post(self, request: HttpRequest, pk) -> HttpResponse:
        obj = self.get_object(request, pk)
        form = DeleteForm(request.POST)
        if form.is_valid():
            label = getattr(obj, "audit_repr", lambda: str(obj))()
            try:
                type(self).delete_service(
                    actor=request.user,
                    **{self.model._meta.model_name: obj},
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as e:
                add_service_errors(form, e)
            else:
                messages.success(request, _("已删除：%(obj)s") % {"obj": label})
                return redirect(reverse(self.list_url_name))
        return self.render_form(request, obj, form)

    def render_form(self, request, obj, form) -> HttpResponse:
        context = self.base_context() | {
            "object": obj,
            "form": form,
            "cancel_url": reverse(self.detail_url_name, args=[obj.pk])
            if self.detail_url_name
            else reverse(self.list_url_name),
        }
        return render(request, self.template_name, context)

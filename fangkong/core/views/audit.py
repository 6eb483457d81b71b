"""Audit viewer: entries in the user's area subtree in words, filters (a record's history),
the Excel export, and a chain verification button."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import django_filters
from django.apps import apps
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangkong.core.audit import verify_chain
from fangkong.core.batches import batched
from fangkong.core.forms import DateInput
from fangkong.core.models.audit import AuditAction, AuditEntry
from fangkong.core.personal import EncryptedTextField
from fangkong.core.tables import Column, Table
from fangkong.core.views.generic import ObjectListView, paginate
from fangkong.formats import joined, moment

ENCRYPTED = gettext_lazy("（已加密）")
_CIPHERTEXT = re.compile(r"^\d+\$[A-Za-z0-9+/]{16,}={0,2}$")
# How ``audit._plain`` records an aware date-time (``isoformat``).
_STORED_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)$")


@lru_cache(maxsize=1)
def _filtered_types() -> dict[str, type[Model]]:
    """The object types the log's filter offers (area-scoped models and accounts), by label."""
    user = apps.get_model("accounts", "User")
    return {
        model._meta.label_lower: model
        for model in apps.get_models()
        if getattr(model, "scope_field", None) or model is user
    }


def object_type_choices() -> list[tuple[str, str]]:
    """The filter's choices, named in the request's language."""
    choices = [(label, str(m._meta.verbose_name)) for label, m in _filtered_types().items()]
    return [("", gettext_lazy("全部")), *sorted(choices)]


class AuditFilterSet(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(label=gettext_lazy("操作"), choices=AuditAction.choices)
    object_type = django_filters.ChoiceFilter(label=gettext_lazy("对象类型"), choices=())
    actor = django_filters.CharFilter(label=gettext_lazy("操作人"), method="filter_actor")
    # Set by a record's 操作记录 link (``object_history_url``), not typed.
    object_id = django_filters.CharFilter(label=gettext_lazy("对象编号"))
    date_from = django_filters.DateFilter(
        label=gettext_lazy("开始日期"), widget=DateInput, method="filter_from"
    )
    date_to = django_filters.DateFilter(
        label=gettext_lazy("结束日期"), widget=DateInput, method="filter_to"
    )

    class Meta:
        model = AuditEntry
        fields = ["action", "object_type", "actor", "date_from", "date_to", "object_id"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["object_type"].extra["choices"] = object_type_choices()[1:]  # 全部 added

    def filter_actor(self, qs, name, value):
        return qs.filter(actor_name__icontains=value.strip()) if value.strip() else qs

    def filter_from(self, qs, name, value):
        tz = timezone.get_current_timezone()
        return qs.filter(timestamp__gte=datetime.combine(value, time.min, tz))

    def filter_to(self, qs, name, value):
        tz = timezone.get_current_timezone()
        return qs.filter(timestamp__lte=datetime.combine(value, time.max, tz))


@dataclass(frozen=True)
class _TypeInfo:
    """How an object type's entries are shown: its name, its fields' labels and the labels
    of their choices, and which fields are encrypted. A model labels keys that are not its
    fields (a login's ``result``) with ``audit_labels`` and their values with
    ``audit_value_labels``. A foreign key or many-to-many field is shown by the related
    objects' names when their model sets ``audit_named`` (areas, accounts, venues…: names
    that are no one's personal data, so an entry may show them to any reader of the log);
    else by number. ``audit_keyed`` names the model whose keys a dict-valued change is
    keyed by (a price report's lines by commodity)."""

    name: str
    labels: dict[str, str]
    values: dict[str, dict[str, str]]
    personal: frozenset[str]
    related: dict[str, type[Model]]  # values are keys of that model (keyed: the dict's keys)
    keyed: frozenset[str] = frozenset()


def _type_info(object_type: str, cache: dict) -> _TypeInfo:
    if object_type not in cache:
        try:
            model = apps.get_model(object_type)
        except (LookupError, ValueError):
            cache[object_type] = _TypeInfo(object_type, {}, {}, frozenset(), {})
        else:
            fields = [*model._meta.concrete_fields, *model._meta.many_to_many]
            values = {
                f.name: {str(k): str(v) for k, v in f.flatchoices} for f in fields if f.choices
            }
            values.update(getattr(model, "audit_value_labels", {}))
            keyed = {k: apps.get_model(v) for k, v in getattr(model, "audit_keyed", {}).items()}
            cache[object_type] = _TypeInfo(
                name=str(model._meta.verbose_name),
                labels={
                    **{f.name: str(f.verbose_name) for f in fields},
                    **{k: str(v) for k, v in getattr(model, "audit_labels", {}).items()},
                },
                values=values,
                personal=frozenset(f.name for f in fields if isinstance(f, EncryptedTextField)),
                related={
                    **{
                        f.name: f.related_model
                        for f in fields
                        if (f.many_to_one or f.many_to_many)
                        and getattr(f.related_model, "audit_named", False)
                    },
                    **keyed,
                },
                keyed=frozenset(keyed),
            )
    return cache[object_type]


def _changes(entry: AuditEntry) -> dict[str, Any]:
    return entry.changes if isinstance(entry.changes, dict) else {}


def _is_pair(entry: AuditEntry, value) -> bool:
    """An update's change is [old, new]; a create's or delete's is the value itself."""
    return entry.action == AuditAction.UPDATE and isinstance(value, list) and len(value) == 2


def _references(value, keyed: bool):
    """The keys a change refers to: the value itself, a many-to-many list's items, or a
    keyed dict's keys."""
    if isinstance(value, dict):
        yield from value if keyed else ()
    elif isinstance(value, list):
        for item in value:
            yield from _references(item, keyed)
    elif value is not None and not keyed:
        yield value


def related_names(entries, cache: dict) -> dict[type[Model], dict[str, str]]:
    """The names of the named related objects the entries' changes refer to, by model and
    primary key: one query per related model for the whole page."""
    wanted: dict[type[Model], set] = defaultdict(set)
    for entry in entries:
        info = _type_info(entry.object_type, cache)
        changes = _changes(entry)
        for key in info.related.keys() & changes.keys():
            model = info.related[key]
            for pk in _references(changes[key], key in info.keyed):
                try:
                    wanted[model].add(model._meta.pk.to_python(pk))
                except (ValidationError, TypeError):  # not a key of that model
                    continue
    return {
        model: {str(obj.pk): str(obj) for obj in model._base_manager.filter(pk__in=pks)}
        for model, pks in wanted.items()
    }


def _shown(value, encrypted: bool, labels: dict[str, str] | None = None) -> str:
    """A value as the pages show it: a choice's label, a related object's name; a list's
    items joined, a dict as its (named) keys with their values."""
    if value in (None, ""):
        return "—"
    if encrypted or (isinstance(value, str) and _CIPHERTEXT.match(value)):
        return str(ENCRYPTED)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        return joined(_shown(v, False, labels) for v in value) or "—"
    if isinstance(value, dict):
        items = (
            _("%(name)s：%(object)s") % {"name": (labels or {}).get(str(k), k), "object": _part(v)}
            for k, v in value.items()
        )
        return "；".join(items) or "—"
    if labels and str(value) in labels:
        return str(labels[str(value)])
    if isinstance(value, str) and _STORED_MOMENT.match(value):
        # A date-time field's value, recorded in UTC: shown in local time like the pages.
        return moment(datetime.fromisoformat(value))
    return str(value)


def _part(value) -> str:
    """A dict item's value: a list's parts split by slashes (a price line's price / stock)."""
    return (
        " / ".join(_shown(v, False) for v in value)
        if isinstance(value, list)
        else _shown(value, False)
    )


def display_changes(entry: AuditEntry, cache: dict, names: dict | None = None) -> list[dict]:
    """Rows of (label, old, new) for an entry's changes; ciphertext is never shown. ``names``:
    ``related_names`` of the page (a related object not found keeps its number)."""
    info = _type_info(entry.object_type, cache)
    rows = []
    for key, value in _changes(entry).items():
        encrypted, label = key in info.personal, info.labels.get(key, key)
        if key in info.related:
            values = (names or {}).get(info.related[key])
        else:
            values = info.values.get(key)
        if _is_pair(entry, value):
            old, new = _shown(value[0], encrypted, values), _shown(value[1], encrypted, values)
            rows.append({"label": label, "old": old, "new": new})
        else:
            rows.append({"label": label, "old": None, "new": _shown(value, encrypted, values)})
    return rows


def changes_text(changes: list[dict]) -> str:
    """``display_changes`` as one cell of text (the export): a line per change."""
    lines = []
    for c in changes:
        shown = c["new"] if c["old"] is None else f"{c['old']} → {c['new']}"
        lines.append(_("%(name)s：%(object)s") % {"name": c["label"], "object": shown})
    return "\n".join(lines)


class AuditTable(Table):
    """The export's columns (the page lays entries out in its own template)."""

    columns = (
        Column("id", gettext_lazy("编号")),
        Column("timestamp", gettext_lazy("时间")),
        Column("actor_name", gettext_lazy("操作人")),
        Column("action", gettext_lazy("操作"), choices=True),
        Column("type_name", gettext_lazy("对象类型")),
        Column("object_id", gettext_lazy("对象编号")),
        Column("object_repr", gettext_lazy("对象")),
        Column("changes_text", gettext_lazy("变更内容")),
        Column("reason", gettext_lazy("原因")),
    )


class AuditListView(ObjectListView):
    """审计日志: the entries of the user's area subtree, newest first, filtered; exported to
    Excel like every list (itself an audited read; a long export runs in the background)."""

    model = AuditEntry
    permission_required = "core.view_auditentry"
    export_permission = "core.view_auditentry"  # what one may read, one may take away
    filterset_class = AuditFilterSet
    table_class = AuditTable
    template_name = "audit/audit_list.html"
    fragment_template_name = "audit/audit_list.html"
    large = True  # append-only and large: pages without counting
    search_params = ()
    hidden_filters = ("object_id",)

    def get_queryset(self, request: HttpRequest):
        return AuditEntry.objects.visible_to(request.user).order_by("-id")

    def render_list(self, request, qs, filterset, token: str) -> HttpResponse:
        page = paginate(qs, self.paginate_by, request.GET.get("page"), large=True)
        entries = [(e, changes) for e, changes in _laid_out(page.object_list, {})]
        params = request.GET.copy()
        params.pop("page", None)
        params.pop("export", None)
        return render(
            request,
            self.template_name,
            {
                "filterset": filterset,
                "page": page,
                "entries": entries,
                "query_string": params.urlencode(),
                "can_export": request.user.has_perm(self.export_permission),
                "one_object": _one_object(filterset),
            },
        )

    def export_rows(self, qs) -> Iterator[AuditEntry]:
        """Entries with their type's name and their changes in words, named a chunk at a
        time (one query per related model per 2,000 entries)."""
        cache: dict = {}
        for chunk in batched(qs.iterator(chunk_size=EXPORT_CHUNK), EXPORT_CHUNK):
            for e, changes in _laid_out(chunk, cache):
                e.changes_text = changes_text(changes)
                yield e


EXPORT_CHUNK = 2000


def object_history_url(user, obj: Model) -> str:
    """The audit log filtered to one record (its 操作记录), for a user who may read the log
    and a record whose type the log's filter offers; else ""."""
    label = obj._meta.label_lower
    if label not in _filtered_types() or not user.has_perm("core.view_auditentry"):
        return ""
    query = urlencode({"object_type": label, "object_id": obj.pk})
    return f"{reverse('core:audit_list')}?{query}"


def _one_object(filterset) -> str:
    """ "居民 #5" when the list is one record's history (its 操作记录 link)."""
    data = filterset.form.cleaned_data if filterset.form.is_valid() else {}
    if not data.get("object_id") or not data.get("object_type"):
        return ""
    model = _filtered_types()[data["object_type"]]  # a valid choice
    return f"{model._meta.verbose_name} #{data['object_id']}"


def _laid_out(entries, cache: dict):
    """(entry, its changes in words) for a page or chunk of entries; each entry gets its
    type's name (账号, 居民…; the template keeps the technical type in a tooltip)."""
    names = related_names(entries, cache)
    for e in entries:
        e.type_name = _type_info(e.object_type, cache).name
        yield e, display_changes(e, cache, names)


@require_POST
@permission_required("core.view_auditentry", raise_exception=True)
def audit_verify(request: HttpRequest) -> HttpResponse:
    result = verify_chain()
    problems = {
        "prev_hash": _("前一条的哈希不符"),
        "hash": _("条目内容被改动"),
        "head": _("链头与最后一条不符（可能被截断）"),
    }
    context = {"result": result, "problem": problems.get(result.problem, result.problem)}
    template = "audit/includes/verify_result.html" if request.htmx else "audit/audit_verify.html"
    return render(request, template, context)
